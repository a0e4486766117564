"""aistack: self-hosted AI inference platform as Pulumi components."""
