// Command go-oracle decodes request bodies with Go's own encoding/json into structs shaped like
// the fields Corral models of Ollama's request types (src/main/java/dev/corral/route/OllamaRequests.java),
// and prints what Go decoded, one JSON line per input line. It is the reference Corral's GoJson
// reader is checked against (scripts/go-oracle.sh writes src/test/resources/gojson/golden.jsonl).
//
// With -folds it prints instead every non-ASCII rune Go folds onto an ASCII letter.
//
// Input lines: {"shape": "CHAT", "body": "<base64>"}. Output lines: the input plus
// {"go": {"err": "...", "values": {...}}}. Types with their own UnmarshalJSON in Ollama
// (keep_alive's *Duration, think's *ThinkValue) are json.RawMessage here: Corral keeps them raw.
package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
)

type streamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

type generateRequest struct {
	Model           string           `json:"model"`
	Stream          *bool            `json:"stream"`
	Options         map[string]any   `json:"options"`
	KeepAlive       *json.RawMessage `json:"keep_alive"`
	Think           *json.RawMessage `json:"think"`
	Raw             bool             `json:"raw"`
	Template        string           `json:"template"`
	System          string           `json:"system"`
	DebugRenderOnly bool             `json:"_debug_render_only"`
	Format          json.RawMessage  `json:"format"`
	Shift           *bool            `json:"shift"`
}

type chatRequest struct {
	Model           string           `json:"model"`
	Stream          *bool            `json:"stream"`
	Options         map[string]any   `json:"options"`
	KeepAlive       *json.RawMessage `json:"keep_alive"`
	Think           *json.RawMessage `json:"think"`
	DebugRenderOnly bool             `json:"_debug_render_only"`
	Format          json.RawMessage  `json:"format"`
	Shift           *bool            `json:"shift"`
}

type embedRequest struct {
	Model      string           `json:"model"`
	Options    map[string]any   `json:"options"`
	KeepAlive  *json.RawMessage `json:"keep_alive"`
	Truncate   *bool            `json:"truncate"`
	Dimensions int              `json:"dimensions"`
}

type showRequest struct {
	Model    string         `json:"model"`
	Name     string         `json:"name"`
	System   string         `json:"system"`
	Template string         `json:"template"`
	Verbose  bool           `json:"verbose"`
	Options  map[string]any `json:"options"`
}

type openaiChat struct {
	Model           string         `json:"model"`
	Stream          bool           `json:"stream"`
	StreamOptions   *streamOptions `json:"stream_options"`
	MaxTokens       *int           `json:"max_tokens"`
	DebugRenderOnly bool           `json:"_debug_render_only"`
	Reasoning       *struct {
		Effort string `json:"effort"`
	} `json:"reasoning"`
	ReasoningEffort *string `json:"reasoning_effort"`
}

type responsesRequest struct {
	Model           string `json:"model"`
	Stream          *bool  `json:"stream"`
	MaxOutputTokens *int   `json:"max_output_tokens"`
	Reasoning       struct {
		Effort string `json:"effort"`
	} `json:"reasoning"`
}

type anthropicMessages struct {
	Model     string `json:"model"`
	MaxTokens int    `json:"max_tokens"`
	Stream    bool   `json:"stream"`
	Thinking  *struct {
		Type string `json:"type"`
	} `json:"thinking"`
	OutputConfig *struct {
		Effort string `json:"effort"`
	} `json:"output_config"`
}

func target(shape string) any {
	switch shape {
	case "GENERATE":
		return &generateRequest{}
	case "CHAT":
		return &chatRequest{}
	case "EMBED":
		return &embedRequest{}
	case "SHOW":
		return &showRequest{}
	case "OPENAI_CHAT", "OPENAI_COMPLETIONS":
		return &openaiChat{}
	case "OPENAI_RESPONSES":
		return &responsesRequest{}
	case "ANTHROPIC_MESSAGES":
		return &anthropicMessages{}
	}
	panic("unknown shape " + shape)
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-folds" {
		out := bufio.NewWriter(os.Stdout)
		defer out.Flush()
		printFolds(out)
		return
	}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<26)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		var c map[string]any
		if err := json.Unmarshal(in.Bytes(), &c); err != nil {
			panic(err)
		}
		body, err := base64.StdEncoding.DecodeString(c["body"].(string))
		if err != nil {
			panic(err)
		}
		v := target(c["shape"].(string))
		result := map[string]any{}
		// As Gin's ShouldBindJSON: a Decoder, the first value only.
		if err := json.NewDecoder(bytesReader(body)).Decode(v); err != nil {
			result["err"] = err.Error()
		}
		result["values"] = v
		if o, ok := v.(interface{ options() map[string]any }); ok {
			if n, ok := o.options()["num_predict"].(float64); ok {
				result["num_predict_int"] = int64(n) // Options.FromMap: field.SetInt(int64(t))
			}
		}
		c["go"] = result
		line, err := json.Marshal(c)
		if err != nil {
			panic(fmt.Sprint(err))
		}
		out.Write(line)
		out.WriteByte('\n')
	}
	if err := in.Err(); err != nil {
		panic(err)
	}
}

func (r *generateRequest) options() map[string]any { return r.Options }
func (r *chatRequest) options() map[string]any     { return r.Options }
