// Package main is a Pulumi provider for Docker built on pulumi-terraform-bridge: it serves the
// resources of kreuzwerker/terraform-provider-docker under the tokens and property names of the
// pulumi-docker Python SDK (versions: scripts/versions.env), so that the SDK's programs deploy
// with it. The native buildx resource of pulumi-docker (docker:index/image:Image) is not part of it.
package main

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
	"github.com/terraform-providers/terraform-provider-docker/shim"
)

// version is set at link time (-X main.version=v5.2.0); the leading "v" is optional.
var version = "5.2.0"

func pluginVersion() string {
	if len(version) > 0 && version[0] == 'v' {
		return version[1:]
	}
	return version
}

// keep names a TF field whose Pulumi name the bridge would otherwise pluralize or rename.
func keep(name string) *tfbridge.SchemaInfo { return &tfbridge.SchemaInfo{Name: name} }

func providerInfo() tfbridge.ProviderInfo {
	prov := tfbridge.ProviderInfo{
		P:           shimv2.NewProvider(shim.NewProvider()),
		Name:        "docker",
		Version:     pluginVersion(),
		Description: "Docker resources for Pulumi, bridged from the Terraform docker provider.",
		License:     "Apache-2.0",
		Config: map[string]*tfbridge.SchemaInfo{
			"registry_auth": keep("registryAuth"), // not registryAuths
		},
		Resources: map[string]*tfbridge.ResourceInfo{
			"docker_container": {
				Tok:                 "docker:index/container:Container",
				DeleteBeforeReplace: true,
				Fields: map[string]*tfbridge.SchemaInfo{
					// Lists that the bridge would pluralize (commands, networksAdvanceds). The other
					// names match pulumi_docker without help: check_schema.py compares them all.
					"command":           keep("command"),
					"networks_advanced": keep("networksAdvanced"),
				},
			},
			"docker_network":        {Tok: "docker:index/network:Network"},
			"docker_volume":         {Tok: "docker:index/volume:Volume"},
			"docker_image":          {Tok: "docker:index/remoteImage:RemoteImage"},
			"docker_registry_image": {Tok: "docker:index/registryImage:RegistryImage"},
			"docker_config":         {Tok: "docker:index/serviceConfig:ServiceConfig"},
		},
		DataSources: map[string]*tfbridge.DataSourceInfo{
			"docker_image": {Tok: "docker:index/getRemoteImage:getRemoteImage"},
		},
	}
	// Everything else gets a token made from its TF name (docker_buildx_builder -> BuildxBuilder).
	prov.MustComputeTokens(tokens.SingleModule("docker_", "index", tokens.MakeStandard("docker")))
	prov.SetAutonaming(255, "-")
	return prov
}
