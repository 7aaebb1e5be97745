package verify

import (
	"encoding/json"
	"io"
)

// jsonReport is the machine-readable form of a Report.
type jsonReport struct {
	Records    int         `json:"records"`
	Mismatches int         `json:"mismatches"`
	OK         bool        `json:"ok"` // records > 0 and no mismatch
	Groups     []jsonGroup `json:"groups"`
}

type jsonGroup struct {
	File       string         `json:"file"`
	Inputs     []string       `json:"inputs"`
	Name       string         `json:"name"`
	Records    int            `json:"records"`
	Mismatches int            `json:"mismatches"`
	Listed     []jsonMismatch `json:"listed"`
}

type jsonMismatch struct {
	File     string `json:"file"`
	Line     int    `json:"line"`
	Where    string `json:"where"`
	Inputs   string `json:"inputs"`
	Expected string `json:"expected"`
	Got      string `json:"got"`
}

// WriteJSON writes the report as one indented JSON object: the totals, ok
// (records > 0 and no mismatch) and every group with its listed
// mismatches, in the order of WriteText.
func (r *Report) WriteJSON(w io.Writer) error {
	out := jsonReport{Groups: []jsonGroup{}}
	out.Records, out.Mismatches = r.Totals()
	out.OK = out.Records > 0 && out.Mismatches == 0
	for _, g := range r.Groups {
		jg := jsonGroup{File: g.File, Inputs: g.Inputs, Name: g.Name, Records: g.Records, Mismatches: g.Mismatches, Listed: []jsonMismatch{}}
		if jg.Inputs == nil {
			jg.Inputs = []string{}
		}
		for _, m := range g.Listed {
			jg.Listed = append(jg.Listed, jsonMismatch(m))
		}
		out.Groups = append(out.Groups, jg)
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
