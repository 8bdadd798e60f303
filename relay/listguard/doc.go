// Package listguard owns the rule that keeps dlprelay from serving a
// customer list that cannot protect what the last one did, and the state
// the rule is judged against.
//
// The rule (Check): a list with no records is refused, always; a list with
// fewer than (100% - customers.max_drop) of the records of the last list
// accepted is refused until an operator accepts it. A refused list is never
// put in service: a reload keeps the running list, a start exits.
//
// The state (Accepted) is one JSON file, data_dir/customers-accepted.json:
// the record count and SHA-256 of the accepted list, when and how it was
// accepted ("first_load", "start", "reload", "operator") and by whom. It is
// written whole to a temporary file, fsynced and renamed over the old one
// (internal/durable), and read again at every check, so an acceptance made
// by `dlprelay customers accept` beside a running relay counts at its next
// reload. No state file means no list was accepted yet: the first list
// loaded is accepted. A state file that exists but cannot be read is not
// taken as "none": the check refuses (ReasonState) until an operator
// accepts a list again, since treating it as missing would let a tiny list
// through.
//
// Refusals are *Refusal values wrapping ErrEmpty, ErrDrop or ErrState;
// their Reason is also the label of dlprelay_customers_refused_total. They
// carry counts and the file's path, never a customer value.
package listguard
