# Exchange Server (on premises, 2016/2019/Subscription Edition) sending all
# outbound mail through dlprelay, from the Exchange Management Shell.
#
#   NOT TRIED HERE: there is no Exchange Server on the machine where dlprelay
#   is tested. The cmdlet and parameters are Microsoft's documented ones;
#   try it on a test organization first.
#
#   Exchange transport → dlprelay host:10025 → dlprelay's upstream
#
# Unlike Exchange Online, a send connector can use any port and can log in
# with SMTP AUTH, so dlprelay need not be reachable from the Internet:
#   - smtp.listen: an address the transport servers reach, port 10025.
#   - smtp.allowed_networks: the transport servers' addresses (or, with AUTH,
#     smtp.auth.users_file; the credential below is one of its users).
#   - smtp.tls.cert_file / key_file: a certificate the transport servers
#     trust (your internal CA is enough) for the name in -SmartHosts.
#   - A quarantine is a 250 (Exchange considers the mail sent); a policy
#     reject is a 550 and Exchange sends the sender an NDR; a 4xx or an
#     unreachable dlprelay leaves the mail in the transport queue ("Retry"),
#     retried until the message expiration (2 days by default).

# The credential dlprelay knows (smtp.auth.users_file). Only needed with
# -SmartHostAuthMechanism BasicAuthRequireTLS below.
$cred = Get-Credential -Message "dlprelay SMTP AUTH user"

New-SendConnector -Name "dlprelay" `
    -Usage Custom `
    -AddressSpaces "SMTP:*;1" `
    -DNSRoutingEnabled $false `
    -SmartHosts "dlprelay.corp.example" `
    -Port 10025 `
    -SourceTransportServers "EX01","EX02" `
    -RequireTLS $true `
    -TlsAuthLevel DomainValidation `
    -TlsDomain "dlprelay.corp.example" `
    -SmartHostAuthMechanism BasicAuthRequireTLS `
    -AuthenticationCredential $cred `
    -ConnectionInactivityTimeOut 00:15:00 `
    -MaxMessageSize 50MB
# -Usage Custom                 a connector for a specific route, not the
#                               Internet default.
# -AddressSpaces "SMTP:*;1"     every external recipient, cost 1 (lower than
#                               any existing Internet connector, so this one
#                               wins; disable the old one).
# -DNSRoutingEnabled $false     deliver to the smart host, not to MX records.
# -SmartHosts                   dlprelay's name (or IP address).
# -Port 10025                   dlprelay's smtp.listen port.
# -SourceTransportServers       the Mailbox servers that send through it.
# -RequireTLS $true             STARTTLS or no delivery (dlprelay offers it
#                               once smtp.tls is set).
# -TlsAuthLevel DomainValidation
#                               check dlprelay's certificate and its name.
# -TlsDomain                    the name in dlprelay's certificate.
# -SmartHostAuthMechanism BasicAuthRequireTLS
#                               AUTH PLAIN/LOGIN after STARTTLS, with $cred.
#                               Use None (and list the transport servers in
#                               smtp.allowed_networks) to send without AUTH.
# -AuthenticationCredential     the user and password for AUTH.
# -ConnectionInactivityTimeOut  how long Exchange waits for a reply
#                               (hh:mm:ss); dlprelay answers the final dot
#                               after the scan (scan.timeout, 60s) and its
#                               upstream's 250 (upstream.data_timeout, 10m),
#                               so keep it above both together.
# -MaxMessageSize 50MB          not larger than dlprelay's
#                               smtp.max_message_bytes (default 50MiB).

# Check the connector, then watch the queue towards dlprelay.
Get-SendConnector "dlprelay" | Format-List Name,SmartHosts,Port,RequireTLS,TlsAuthLevel,SmartHostAuthMechanism
Get-Queue | Where-Object { $_.NextHopDomain -eq "dlprelay" }
