"""The adapters to AWS (the only boto3 code): DynamoDB, SNS, SSM secrets, settings."""
