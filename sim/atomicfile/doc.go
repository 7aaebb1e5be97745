// Package atomicfile owns the project's one way of writing an output file:
// [WriteFile] and [Write] write to a temporary file in the destination's
// directory (so the rename never crosses file systems), sync it, rename it
// over the destination and sync the directory. A reader therefore sees the
// old file or the complete new one, never a partial one, and after a crash
// the new file is either wholly present or absent.
//
// Files are created with mode 0644 less the process umask, as os.WriteFile
// would create them. Temporary files are named "."+base+".tmp-" followed by
// random digits ([TempPrefix]); [RemoveStale] removes those a killed
// process left behind.
package atomicfile
