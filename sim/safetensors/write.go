package safetensors

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"strconv"
	"unicode/utf8"
)

// MetadataKey is the reserved header key of the free-form metadata.
const MetadataKey = "__metadata__"

// Write writes tensors and the optional metadata strings to w in the
// safetensors format. The bytes depend only on the arguments' contents (not
// on their order or on map iteration): tensors are laid out by descending
// dtype width then by name, metadata keys are sorted, the JSON is compact,
// and the header is padded with spaces to a multiple of 8 bytes.
func Write(w io.Writer, tensors []Tensor, meta map[string]string) error {
	header, order, err := encodeHeader(tensors, meta)
	if err != nil {
		return err
	}
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(header)))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	if _, err := w.Write(header); err != nil {
		return err
	}
	for _, i := range order {
		if _, err := w.Write(tensors[i].Data); err != nil {
			return err
		}
	}
	return nil
}

// Encode returns the bytes [Write] writes.
func Encode(tensors []Tensor, meta map[string]string) ([]byte, error) {
	var b bytes.Buffer
	if err := Write(&b, tensors, meta); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// encodeHeader validates the tensors and returns the padded JSON header and
// the order in which their data follows it.
func encodeHeader(tensors []Tensor, meta map[string]string) ([]byte, []int, error) {
	order := make([]int, len(tensors))
	seen := make(map[string]bool, len(tensors))
	for i := range tensors {
		t := &tensors[i]
		if err := t.Check(); err != nil {
			return nil, nil, err
		}
		if t.Name == MetadataKey {
			return nil, nil, fmt.Errorf("safetensors: %q is reserved and cannot name a tensor", MetadataKey)
		}
		if !utf8.ValidString(t.Name) {
			return nil, nil, fmt.Errorf("safetensors: tensor name %q is not valid UTF-8", t.Name)
		}
		if seen[t.Name] {
			return nil, nil, fmt.Errorf("safetensors: two tensors named %q", t.Name)
		}
		seen[t.Name] = true
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int {
		a, b := &tensors[i], &tensors[j]
		if a.DType != b.DType {
			return int(b.DType) - int(a.DType)
		}
		if a.Name < b.Name {
			return -1
		}
		return 1
	})
	var h bytes.Buffer
	h.WriteByte('{')
	if meta != nil {
		keys := make([]string, 0, len(meta))
		for k, v := range meta {
			if !utf8.ValidString(k) || !utf8.ValidString(v) {
				return nil, nil, fmt.Errorf("safetensors: metadata %q is not valid UTF-8", k)
			}
			keys = append(keys, k)
		}
		slices.Sort(keys)
		writeString(&h, MetadataKey)
		h.WriteString(":{")
		for i, k := range keys {
			if i > 0 {
				h.WriteByte(',')
			}
			writeString(&h, k)
			h.WriteByte(':')
			writeString(&h, meta[k])
		}
		h.WriteByte('}')
	}
	off := 0
	for n, i := range order {
		t := &tensors[i]
		if n > 0 || meta != nil {
			h.WriteByte(',')
		}
		writeString(&h, t.Name)
		h.WriteString(`:{"dtype":"`)
		h.WriteString(t.DType.String())
		h.WriteString(`","shape":[`)
		for k, d := range t.Shape {
			if k > 0 {
				h.WriteByte(',')
			}
			h.WriteString(strconv.Itoa(d))
		}
		h.WriteString(`],"data_offsets":[`)
		h.WriteString(strconv.Itoa(off))
		h.WriteByte(',')
		off += len(t.Data)
		h.WriteString(strconv.Itoa(off))
		h.WriteString("]}")
	}
	h.WriteByte('}')
	for h.Len()%8 != 0 {
		h.WriteByte(' ')
	}
	return h.Bytes(), order, nil
}

// writeString writes s as a JSON string the way the reference's serializer
// (serde_json) does: only '"', '\\' and control characters are escaped.
func writeString(b *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\b':
			b.WriteString(`\b`)
		case c == '\f':
			b.WriteString(`\f`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}
