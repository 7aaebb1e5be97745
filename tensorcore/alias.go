package tensorcore

import (
	"sort"
	"strings"
)

// GPUAlias is a GPU that carries another GPU's tensor cores: its presets
// are the other's, under names with its own prefix (h200-wgmma-e4m3-e4m3
// is h100-wgmma-e4m3-e4m3, the same *Preset).
type GPUAlias struct {
	GPU string // e.g. "H200"
	Of  string // e.g. "H100"
}

// gpuAliases: H200 and H800 are Hopper with the H100's tensor cores; the
// published H200 records match the H100 models bit for bit.
var gpuAliases = map[string]string{"H200": "H100", "H800": "H100"}

// Aliases returns the GPU aliases, sorted by GPU.
func Aliases() []GPUAlias {
	as := make([]GPUAlias, 0, len(gpuAliases))
	for g, of := range gpuAliases {
		as = append(as, GPUAlias{g, of})
	}
	sort.Slice(as, func(i, j int) bool { return as[i].GPU < as[j].GPU })
	return as
}

// CanonicalGPU returns the GPU whose presets model gpu (case-insensitive):
// "H100" for "h200" and "H800", gpu itself for a GPU that is no alias.
func CanonicalGPU(gpu string) string {
	if of, ok := gpuAliases[strings.ToUpper(gpu)]; ok {
		return of
	}
	return gpu
}

// resolveAlias maps a preset name with an alias GPU's prefix to the name
// of the preset it stands for; ok is false for other names.
func resolveAlias(name string) (string, bool) {
	prefix, rest, found := strings.Cut(name, "-")
	if !found {
		return "", false
	}
	of, ok := gpuAliases[strings.ToUpper(prefix)]
	if !ok {
		return "", false
	}
	return strings.ToLower(of) + "-" + rest, true
}
