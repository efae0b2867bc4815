//go:build !unix

package report

import (
	"errors"
	"os"
)

// errNoDescriptors says that this system has no /proc descriptor paths.
var errNoDescriptors = errors.New("descriptor paths are not supported on this system")

// dupDescriptor is never reached: only Linux paths name descriptors.
func dupDescriptor(fd int) (*os.File, error) { return nil, errNoDescriptors }

// checkDescriptor is never reached: only Linux paths name descriptors.
func checkDescriptor(fd int) error { return errNoDescriptors }

// checkAccess cannot tell without opening path, which CheckWritable never
// does to a special file; the write itself will say.
func checkAccess(path string) error { return nil }
