//go:build !unix

package sweep

import "os"

// lockFile does nothing where flock is not available: there, keeping two
// runs out of one output directory is up to the user.
func lockFile(*os.File) error { return nil }
