"""One answer to "which package.json script does this npm/yarn/pnpm command run" (DKF004, CI003, INS002)."""
from __future__ import annotations

import pytest

from tiketi_doctor.analysis.installs import script_call
from tiketi_doctor.parsing.shell import command_words


@pytest.mark.parametrize(
    "line, tool, verb, script, certain",
    [
        ("npm run build", "npm", "run", "build", True),
        ("npm run-script build -- --prod", "npm", "run", "build", True),
        ("npm --silent run build", "npm", "run", "build", True),
        ("npm run --silent build:prod", "npm", "run", "build:prod", True),
        ("NODE_ENV=production npm start", "npm", "start", "start", True),
        ("npm t", "npm", "test", "test", True),
        ("npm restart", "npm", "restart", "restart", True),
        ("yarn start", "yarn", "start", "start", True),
        ("yarn run dev", "yarn", "run", "dev", True),
        ("yarn build", "yarn", "implicit", "build", False),
        ("pnpm dev", "pnpm", "implicit", "dev", False),
        ("npm run build --if-present", "npm", "run", "build", False),
        ("npm run build --workspace=api", "npm", "run", "build", False),
        ("npm run build -w api", "npm", "run", "build", False),
    ],
)
def test_the_script_a_command_runs(line, tool, verb, script, certain):
    call = script_call(command_words(line))
    assert call is not None
    assert (call.tool, call.verb, call.script, call.certain) == (tool, verb, script, certain)


@pytest.mark.parametrize(
    "line",
    ["npm install", "npm ci --omit=dev", "yarn install --frozen-lockfile", "yarn add express", "pnpm install",
     "npx tsc", "node server.js", "npm --loglevel warn run build", "npm run", "yarn", "pnpm exec tsc", "yarn workspace api build"],
)
def test_commands_that_run_no_script_we_can_name(line):
    assert script_call(command_words(line)) is None
