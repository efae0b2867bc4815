package browser

import (
	"fmt"
	"time"
)

// TimeoutError is a wait that ran out of the time it was given (After):
// a page that did not load or settle, an element that never showed. Its
// text is "timed out after D", followed by Hint in parentheses when set.
// What the user should raise is the caller's to say: LoadOptions.TimeoutHint
// sets it where a load runs out, and a caller that knows better (a
// scenario's step, whose timeout: key set the time) finds the error with
// errors.As and sets Hint itself.
type TimeoutError struct {
	After time.Duration
	Hint  string
}

// Error says how long the wait lasted, and the hint.
func (e *TimeoutError) Error() string {
	if e.Hint == "" {
		return fmt.Sprintf("timed out after %s", e.After)
	}
	return fmt.Sprintf("timed out after %s (%s)", e.After, e.Hint)
}
