package main

import (
	"bufio"
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/ecrctl/ecrctl/internal/spec"
)

// TestReadmeRegistryExample: the README's registry settings example is a
// spec ecrctl accepts, with the settings the section describes.
func TestReadmeRegistryExample(t *testing.T) {
	b, err := os.ReadFile(repoFile("README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var block *bytes.Buffer
	var found []byte
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case block == nil && line == "```yaml":
			block = &bytes.Buffer{}
		case block != nil && line == "```":
			if strings.Contains(block.String(), "\nregistry:\n") {
				found = block.Bytes()
			}
			block = nil
		case block != nil:
			block.WriteString(line + "\n")
		}
	}
	if found == nil {
		t.Fatal("README.md has no yaml block with a registry: section")
	}
	f, err := spec.Parse("README.md registry example", found)
	if err != nil {
		t.Fatalf("the README's registry example does not validate: %v", err)
	}
	r := f.Registry
	if r == nil || r.Scanning == nil || r.Replication == nil || r.Policy == nil || len(r.CreationTemplates) == 0 {
		t.Errorf("the example lacks a setting the section explains: %+v", r)
	}
}
