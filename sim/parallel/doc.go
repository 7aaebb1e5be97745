// Package parallel owns the project's one worker pool: [For] and [Map] run
// f(i) for i in [0, n) on a bounded number of goroutines, stop taking new
// items once the context is cancelled or an item fails, and return results
// by index, so that the output never depends on scheduling.
//
// Pools nest without multiplying goroutines: [WithLimit] puts a budget of
// workers into a context, and every For under that context (a sweep's
// groups, and the GEMMs and references inside each group) shares it. The
// calling goroutine always works on its own items, and extra workers start
// only while the budget has room, so at most the budget's worth of
// goroutines compute at once and nested calls cannot deadlock.
package parallel
