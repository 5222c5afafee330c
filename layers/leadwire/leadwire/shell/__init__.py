"""What a Lambda handler stands on: API Gateway mapping, the error -> HTTP status table,
logging and the wiring of adapters into use cases."""
