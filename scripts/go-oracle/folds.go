package main

import (
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
	"unicode/utf8"
)

// letters has one int field per ASCII letter, named by it: decoding {"<rune>": 1} into it shows
// which letter, if any, encoding/json folds that rune onto.
type letters struct {
	A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P, Q, R, S, T, U, V, W, X, Y, Z int
}

// printFolds writes every non-ASCII rune that encoding/json matches to an ASCII letter field, as
// "U+XXXX x" lines.
func printFolds(w io.Writer) {
	for r := rune(0x80); r <= utf8.MaxRune; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		key, _ := json.Marshal(string(r))
		var l letters
		if err := json.Unmarshal([]byte("{"+string(key)+":1}"), &l); err != nil {
			panic(err)
		}
		v := reflect.ValueOf(l)
		for i := 0; i < v.NumField(); i++ {
			if v.Field(i).Int() == 1 {
				fmt.Fprintf(w, "U+%04X %s\n", r, strings.ToLower(v.Type().Field(i).Name))
			}
		}
	}
}
