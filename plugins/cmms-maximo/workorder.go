package main

import (
	"strings"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
)

// workOrder converts a work order record; ok is false for a record without
// wonum. Relations are read whether Maximo sent them as arrays or objects.
func (mp mapper) workOrder(m map[string]any) (w abi.WorkOrder, ok bool) {
	fail := failureReport(m)
	assigned, assignees := assignee(m)
	parts := bom(m)
	f := newFields(m)
	if w.ID = f.str("wonum"); w.ID == "" {
		return abi.WorkOrder{}, false
	}
	w.AssetID = f.code("assetnum")
	if w.AssetID == "" {
		w.AssetID = f.code("assetnumber")
	}
	for _, a := range objects(m["asset"]) {
		if id := scalar(a["assetnum"]); w.AssetID == "" && id != "" {
			w.AssetID = id
		}
	}
	location := f.code("location")
	if location == "" {
		location = f.str("locationnum")
	}
	w.Description = f.str("description")
	u := pdk.Unmapped{}
	w.Status = mp.status(f.peek("status"), f.str("status_maxvalue"), u)
	w.Type = mp.codes.workTypes.Map(mp.ctx, workTypeOf(m), u)
	w.Priority = mp.codes.priorities.Map(mp.ctx, scalar(m["wopriority"]), u) // the raw wopriority stays in metadata
	w.AssignedTo = assigned
	w.FailureMode, w.FailureCause = fail.Problem, fail.Cause
	if w.FailureCause == "" {
		w.FailureCause = fail.Remark
	}
	for _, p := range parts {
		w.SpareParts = append(w.SpareParts, abi.SparePartRequirement{SKU: p.SKU, Qty: int(p.Quantity)})
	}
	if d, ok := f.num("estdur"); ok && d >= 0 {
		w.EstimatedDurationHours = d
	}
	changed := f.time("changedate")
	if w.CreatedAt = f.time("reportdate"); w.CreatedAt.IsZero() {
		w.CreatedAt = changed
	}
	if w.UpdatedAt = changed; w.UpdatedAt.IsZero() {
		w.UpdatedAt = w.CreatedAt
	}
	f.drop("asset", "worktype", "worktypename", "assignment", "failurereport", "failure", "problem", "failurecode",
		"$alias_this_attr$failurecode", "problemcode", "fr1code", "fr2code", "remarkdesc", "failureremark", "sparepart", "wpmaterial")
	w.Metadata = u.Attach(f.rest())
	if location != "" {
		w.Metadata = setMeta(w.Metadata, "location", location)
	}
	if len(assignees) > 1 {
		w.Metadata = setMeta(w.Metadata, "assignees", assignees)
	}
	if fm := fail.metadata(); fm != nil {
		w.Metadata = setMeta(w.Metadata, "failure", fm)
	}
	return w, true
}

// status maps a work order's status: the internal value (status_maxvalue,
// sent with internalvalues=1) when present, else the site's value through
// status_map, else the value itself. An unknown value maps to created and
// is kept as unmapped. The raw status stays in metadata.
func (mp mapper) status(raw, internal string, u pdk.Unmapped) abi.Status {
	code := internal
	if code == "" {
		code = raw
		if syn, ok := mp.codes.synonyms[strings.ToUpper(raw)]; ok {
			code = syn
		}
	}
	return mp.codes.statuses.Map(mp.ctx, code, u)
}

// workTypeOf reads the worktype code: an attribute, or, when worktype
// arrives as a relation object ({wtypedesc}), the code in worktypename.
func workTypeOf(m map[string]any) string {
	if c := codeOf(m, "worktype"); c != "" {
		return c
	}
	return scalar(m["worktypename"])
}

// assignee is who does the work, by precedence: the first labor
// assignment's laborcode (assignment[] or assignment{}), then lead, owner,
// owner group and assigned owner group. all lists every assigned laborcode.
func assignee(m map[string]any) (who string, all []string) {
	for _, a := range objects(m["assignment"]) {
		if c := codeOf(a, "laborcode"); c != "" && !contains(all, c) {
			all = append(all, c)
		}
	}
	if len(all) > 0 {
		return all[0], all
	}
	for _, k := range []string{"lead", "owner", "ownergroup", "assignedownergroup"} {
		if c := codeOf(m, k); c != "" {
			return c, nil
		}
	}
	return "", nil
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// failureData is a work order's failure reporting: the failure class
// (WORKORDER.FAILURECODE), and the problem, cause and remedy of its failure
// report, each a code with its description.
type failureData struct {
	Class, ClassDescription     string
	Problem, ProblemDescription string
	Cause, CauseDescription     string
	Remedy, RemedyDescription   string
	Remark                      string
}

// failureReport reads failure data: failurereport rows (an array or one
// object) typed PROBLEM, CAUSE or REMEDY, whose code is in
// $alias_this_attr$failurecode or failurecode.failurecode; else the work
// order's problemcode, fr1code (cause) and fr2code (remedy).
func failureReport(m map[string]any) failureData {
	d := failureData{Class: codeOf(m, "failurecode"), ClassDescription: descriptionOf(m, "failure")}
	for _, r := range objects(m["failurereport"]) {
		typ := strings.ToUpper(scalar(r["type_maxvalue"]))
		if typ == "" {
			typ = strings.ToUpper(scalar(r["type"]))
		}
		code, desc := codeOf(r, "failurecode"), descriptionOf(r, "failurecode")
		switch {
		case typ == "PROBLEM" && d.Problem == "":
			d.Problem, d.ProblemDescription = code, desc
		case typ == "CAUSE" && d.Cause == "":
			d.Cause, d.CauseDescription = code, desc
		case typ == "REMEDY" && d.Remedy == "":
			d.Remedy, d.RemedyDescription = code, desc
		}
	}
	if d.Problem == "" {
		d.Problem = codeOf(m, "problemcode")
	}
	if d.ProblemDescription == "" {
		d.ProblemDescription = descriptionOf(m, "problem")
	}
	if d.Cause == "" {
		d.Cause = codeOf(m, "fr1code")
	}
	if d.Remedy == "" {
		d.Remedy = codeOf(m, "fr2code")
	}
	if d.Remark = scalar(m["remarkdesc"]); d.Remark == "" {
		d.Remark = scalar(m["failureremark"])
	}
	return d
}

// metadata is d as metadata.failure (nil when empty).
func (d failureData) metadata() map[string]any {
	out := map[string]any{}
	for k, v := range map[string]string{
		"class": d.Class, "class_description": d.ClassDescription,
		"problem": d.Problem, "problem_description": d.ProblemDescription,
		"cause": d.Cause, "cause_description": d.CauseDescription,
		"remedy": d.Remedy, "remedy_description": d.RemedyDescription,
		"remark": d.Remark,
	} {
		if v != "" {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
