"""Run with the SAM CLI's own interpreter (`.tools/uv-tools/aws-sam-cli/bin/python`): print, as
JSON, the environment `sam local invoke <function> --env-vars <file>` gives the function's
container, resolved by SAM CLI's own code (its template provider and its env-var rules).

    python sam_environment.py <template> <function> <env-vars.json> [Key=Value ...]
"""

import json
import sys

from samcli.commands.local.lib.local_lambda import LocalLambdaRunner
from samcli.lib.providers.sam_function_provider import SamFunctionProvider
from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider


def main() -> None:
    template, function, env_vars = sys.argv[1:4]
    overrides = dict(pair.split("=", 1) for pair in sys.argv[4:])
    stacks, _ = SamLocalStackProvider.get_stacks(template, parameter_overrides=overrides)
    provider = SamFunctionProvider(stacks)
    with open(env_vars, encoding="utf-8") as file:
        values = json.load(file)
    runner = LocalLambdaRunner(
        local_runtime=None,
        function_provider=provider,
        cwd=".",
        real_path=".",
        aws_region="us-east-1",
        env_vars_values=values,
    )
    found = provider.get(function)
    if found is None:
        raise SystemExit(f"no function {function} in {template}")
    json.dump(runner._make_env_vars(found).resolve(), sys.stdout)


if __name__ == "__main__":
    main()
