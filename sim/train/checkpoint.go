package train

import (
	"fmt"
	"slices"

	"github.com/tcsim/tcsim/sim/safetensors"
)

// LMHead is nanoGPT's name of the output projection, tied to
// transformer.wte.weight; checkpoints carry it as a copy so that
// model.load_state_dict accepts them.
const LMHead = "lm_head.weight"

// paramTensor is a parameter as a safetensors tensor: F32 for FP32 master
// weights, F64 for the exact recipe.
func paramTensor(name string, shape []int, v []float64, exact64 bool) safetensors.Tensor {
	if exact64 {
		return safetensors.FromFloat64(name, shape, v)
	}
	f := make([]float32, len(v))
	for i, x := range v {
		f[i] = float32(x)
	}
	return safetensors.FromFloat32(name, shape, f)
}

// WeightTensors returns the parameters under nanoGPT's names with the
// tied LM head, in PyTorch's layout.
func (m *Model) WeightTensors(exact64 bool) []safetensors.Tensor {
	var ts []safetensors.Tensor
	for _, p := range m.Params {
		ts = append(ts, paramTensor(p.Name, p.Shape, p.Data, exact64))
	}
	return append(ts, paramTensor(LMHead, m.wte.Shape, m.wte.Data, exact64))
}

// LoadWeights reads every parameter from a safetensors file written by
// WeightTensors (or by PyTorch from nanoGPT's state_dict, in F32 or F64),
// checking names and shapes; values are rounded to FP32 unless exact64.
func (m *Model) LoadWeights(path string, exact64 bool) error {
	f, err := safetensors.Open(path, safetensors.Limits{})
	if err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	defer f.Close()
	for _, p := range m.Params {
		v, err := readTensor(f, p.Name, p.Shape)
		if err != nil {
			return fmt.Errorf("%s: %v", path, err)
		}
		copy(p.Data, v)
		if !exact64 {
			for i, x := range p.Data {
				p.Data[i] = float64(float32(x))
			}
		}
	}
	return nil
}

// readTensor reads a float tensor of the given shape as float64.
func readTensor(f *safetensors.File, name string, shape []int) ([]float64, error) {
	t, err := f.Tensor(name)
	if err != nil {
		return nil, err
	}
	if !slices.Equal(t.Shape, shape) {
		return nil, fmt.Errorf("%s has shape %v, the model needs %v", name, t.Shape, shape)
	}
	switch t.DType {
	case safetensors.F64:
		return t.Float64s()
	case safetensors.F32:
		f32, err := t.Float32s()
		if err != nil {
			return nil, err
		}
		out := make([]float64, len(f32))
		for i, x := range f32 {
			out[i] = float64(x)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s is %s, not F32 or F64", name, t.DType)
}
