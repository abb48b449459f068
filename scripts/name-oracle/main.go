// Command name-oracle reads model names, one JSON string per line ({"in": "..."}), and writes what
// Ollama's own parsing makes of each: the copy of types/model/name.go and internal/modelref that
// scripts/name-oracle.sh puts next to this file, called the way server/routes.go calls them for
// /api/pull and /api/delete (parseNormalizePullModelRef), /api/show and inference
// (parseAndValidateModelRef) and /api/copy (model.ParseName).
package main

import (
	"bufio"
	"encoding/json"
	"os"

	"corral/name-oracle/model"
	"corral/name-oracle/modelref"
)

type parsed struct {
	OK        bool   `json:"ok"`
	Host      string `json:"host,omitempty"`
	Namespace string `json:"namespace,omitempty"`
	Model     string `json:"model,omitempty"`
	Tag       string `json:"tag,omitempty"`
	Scheme    string `json:"scheme,omitempty"`
	Cloud     bool   `json:"cloud,omitempty"`
	Shortest  string `json:"shortest,omitempty"`
}

func of(n model.Name, cloud bool) parsed {
	if !n.IsValid() {
		return parsed{}
	}
	return parsed{OK: true, Host: n.Host, Namespace: n.Namespace, Model: n.Model, Tag: n.Tag, Scheme: n.ProtocolScheme,
		Cloud: cloud, Shortest: n.DisplayShortest()}
}

func pull(raw string) parsed {
	ref, err := modelref.ParseRef(raw)
	if err != nil {
		return parsed{}
	}
	normalized, _, err := modelref.NormalizePullName(raw)
	if err != nil {
		return parsed{}
	}
	return of(model.ParseName(normalized), ref.Source == modelref.ModelSourceCloud)
}

func show(raw string) parsed {
	ref, err := modelref.ParseRef(raw)
	if err != nil {
		return parsed{}
	}
	return of(model.ParseName(ref.Base), ref.Source == modelref.ModelSourceCloud)
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var c struct {
			In string `json:"in"`
		}
		if err := json.Unmarshal(in.Bytes(), &c); err != nil {
			panic(err)
		}
		out.Encode(map[string]any{"in": c.In, "pull": pull(c.In), "show": show(c.In),
			"parse": of(model.ParseName(c.In), false)})
	}
}
