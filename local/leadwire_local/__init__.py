"""leadwire's local development stack: moto, the real handlers, the CLI. Never deployed."""
