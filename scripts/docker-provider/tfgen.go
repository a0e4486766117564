//go:build tfgen

package main

import "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfgen"

// Built with -tags tfgen, this package generates the Pulumi schema instead of serving the
// provider: `<binary> schema --out DIR --skip-docs` writes DIR/schema.json.
func main() {
	tfgen.Main("docker", pluginVersion(), providerInfo())
}
