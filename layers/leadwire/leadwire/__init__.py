"""leadwire: serverless lead scoring. The shared Lambda layer: domain, providers, adapters."""
