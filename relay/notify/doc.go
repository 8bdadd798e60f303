// Package notify owns the notification mails dlprelay sends about its
// verdicts: building them (bilingual, without customer data) and sending them
// through the upstream in the background with retries.
//
// A Notice holds only what may leave the relay in a notification: the action,
// dlprelay's own ids, the envelope sender, the number and classes of the
// recipients, the names of the rules that fired and the number of customer
// records. It has no field for the subject, the body, the recipients'
// addresses, matched values or record ids, so Build cannot print them.
//
// Build turns a Notice into a Japanese-then-English text/plain message
// (quoted-printable, 7-bit, CRLF) marked as automatic (RFC 3834). Send builds
// the message at once and queues it; two workers hand it to the upstream and
// retry temporary failures with a doubling backoff, a timer per notice so
// that a notice waiting for its retry holds no worker. With an outbox
// directory (Config.Dir, the relay's data_dir/notify) every accepted notice
// is also a file there until it is finished, so notices queued or waiting
// for a retry survive a restart or a crash and are sent after it (at least
// once: one finished just before a crash may go out twice). Without one the
// queue lives in memory only, and Close logs and reports as dropped each
// notice it gives up.
package notify
