//go:build !tfgen

package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
)

// schema.json is written by the tfgen build of this package (go build -tags tfgen), see
// scripts/build-toolchain.sh.
//
//go:embed schema.json
var schema []byte

func main() {
	tfbridge.Main("docker", pluginVersion(), providerInfo(), schema)
}
