package parallel

import (
	"cmp"
	"slices"
)

// Deal assigns items of the given estimated costs to n shards so that
// each shard gets close to 1/n of the total: items are dealt largest
// first (ties: the lower index), each to the shard with the least cost so
// far (ties: the lower shard). owner[j] is item j's shard; the assignment
// depends only on the costs and n, so every process of a job array
// computes the same one. For n <= 1 every item goes to shard 0.
func Deal(costs []float64, n int) (owner []int) {
	owner = make([]int, len(costs))
	if n <= 1 {
		return owner
	}
	order := make([]int, len(costs))
	for j := range order {
		order[j] = j
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(costs[b], costs[a]) })
	load := make([]float64, n)
	for _, j := range order {
		least := 0
		for s := range n {
			if load[s] < load[least] {
				least = s
			}
		}
		owner[j] = least
		load[least] += costs[j]
	}
	return owner
}

// Share returns the items of shard i of n, in their order, dealt by their
// cost ([Deal]); for n <= 1, all of them.
func Share[T any](items []T, cost func(T) float64, i, n int) []T {
	if n <= 1 {
		return items
	}
	costs := make([]float64, len(items))
	for j, x := range items {
		costs[j] = cost(x)
	}
	var mine []T
	for j, s := range Deal(costs, n) {
		if s == i {
			mine = append(mine, items[j])
		}
	}
	return mine
}
