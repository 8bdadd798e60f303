# Microsoft 365 (Exchange Online) sending all outbound mail through dlprelay.
#
#   NOT TRIED HERE: there is no Exchange Online tenant (and no PowerShell
#   with the ExchangeOnlineManagement module) on the machine where dlprelay
#   is tested. The cmdlets and parameters are Microsoft's documented ones;
#   check them against your tenant with Validate-OutboundConnector (below)
#   before enabling the connector. dlprelay's side is dlprelay.yaml beside
#   this file.
#
#   Exchange Online → dlprelay (public address, port 25, STARTTLS)
#                   → dlprelay's upstream (your MTA that delivers to the Internet)
#
# What dlprelay must also have (dlprelay.yaml in this directory):
#   - smtp.listen on a public address, port 25: Exchange Online delivers to a
#     smart host on port 25 only.
#   - smtp.allowed_networks = Microsoft's outbound IP ranges for Exchange
#     Online. An outbound connector cannot do SMTP AUTH, so dlprelay can only
#     tell Microsoft's servers by their address. These ranges are shared by
#     every Microsoft 365 tenant: restrict the sender domains at dlprelay's
#     upstream (only your own domains), or dlprelay relays for other tenants.
#   - smtp.tls.cert_file / key_file: a certificate from a public CA for the
#     name in SmartHosts, since the connector below verifies it
#     (TlsSettings DomainValidation).
#   - upstream.address: an MTA that delivers to the Internet itself. Do not
#     send dlprelay's mail back into Exchange Online: it would match this
#     connector again (RecipientDomains *) and loop.
#   - A quarantine is a 250 (Exchange Online considers the mail sent); a
#     policy reject is a 550 and Exchange Online sends the sender an NDR; a
#     4xx or an unreachable dlprelay keeps the mail queued in Exchange Online
#     and retried (for up to 24 hours, then an NDR).

# Connect as an Exchange administrator of the tenant.
Connect-ExchangeOnline

# The connector. Every parameter is explained in the lines after it.
New-OutboundConnector -Name "dlprelay" `
    -ConnectorType Partner `
    -UseMXRecord $false `
    -SmartHosts "dlprelay.corp.example" `
    -RecipientDomains "*" `
    -TlsSettings DomainValidation `
    -TlsDomain "dlprelay.corp.example" `
    -RouteAllMessagesViaOnPremises $false `
    -IsTransportRuleScoped $false `
    -Enabled $false `
    -Comment "All outbound mail through dlprelay (DLP). Owner: IT security."
# -ConnectorType Partner       mail to the Internet (not to an Exchange
#                              Server of a hybrid deployment, "OnPremises").
# -UseMXRecord $false          deliver to the smart hosts below, not to the
#                              recipients' MX.
# -SmartHosts                  dlprelay's public name (or IP address); port
#                              25 is implied and cannot be changed.
# -RecipientDomains "*"        the connector applies to every external
#                              recipient.
# -TlsSettings DomainValidation
#                              STARTTLS required, and dlprelay's certificate
#                              must be valid, from a public CA, and name
#                              -TlsDomain. (EncryptionOnly: TLS without
#                              checking; CertificateValidation: any valid
#                              certificate.)
# -TlsDomain                   the name in dlprelay's certificate.
# -RouteAllMessagesViaOnPremises $false
#                              this is not a hybrid "centralized mail
#                              transport" connector.
# -IsTransportRuleScoped $false
#                              used for all mail to RecipientDomains, not
#                              only where a mail flow rule selects it.
# -Enabled $false              created disabled; enable after the test below.

# Microsoft connects to dlprelay and sends a test message to the address
# given; dlprelay's log shows it (verdict=pass).
Validate-OutboundConnector -Identity "dlprelay" -Recipients "postmaster@example.com"

# Then enable it.
Set-OutboundConnector -Identity "dlprelay" -Enabled $true

# To see what a message did: Get-MessageTrace / Get-MessageTraceDetail in
# Exchange Online, and dlprelay's log line (one per message) on the relay.
