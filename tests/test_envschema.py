"""Environment reads the way real code does them: TypeScript, schemas, libraries; required vs optional."""
from __future__ import annotations

import json
import shutil
import textwrap

from tiketi_doctor.analysis.envvars import env_use, file_reads
from tiketi_doctor.catalogue_choice import find_catalogue
from tiketi_doctor.context import ScanContext
from tiketi_doctor.parsing.javascript import parse_javascript
from tiketi_doctor.repo import RepoView

from .conftest import CASES


def _use(tmp_path, files: dict[str, str], deps: dict[str, str] | None = None):
    root = tmp_path / "repo"
    shutil.copytree(CASES / "_base", root)
    pkg = json.loads((root / "api" / "package.json").read_text())
    pkg["dependencies"].update(deps or {})
    (root / "api" / "package.json").write_text(json.dumps(pkg))
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    ctx = ScanContext(RepoView(root), find_catalogue(root))
    return env_use(ctx, ctx.catalogue.component("api"))


def _usages(use) -> dict[str, str]:
    return {name: use.usage(name) for name in use.reads if name != "PORT"}  # PORT: read by _base's server.js


def test_typescript_reads_through_type_expressions():
    src = textwrap.dedent("""\
        const a = process.env.TOKEN!;
        const b = (process.env.REGION as string).toLowerCase();
        const { DB_URL, CACHE = 'on' } = process.env;
        connect(DB_URL);
        const { UNUSED_HERE } = process.env;
        const base = import.meta.env.BASE_URL;
        const api = import.meta.env.VITE_API;
        """)
    reads = {(r.name, r.usage) for r in file_reads(parse_javascript(src, "src/x.ts"))}
    assert ("REGION", "required") in reads and ("DB_URL", "required") in reads
    assert ("CACHE", "default") in reads and ("UNUSED_HERE", "unknown") in reads
    assert ("VITE_API", "required") in reads
    assert not any(name == "BASE_URL" for name, _ in reads)  # set by Vite itself


def test_a_read_that_is_the_fallback_is_optional():
    src = "const ns = hostname || process.env.NS;\nconst x = '' || process.env.LITERAL_FIRST;\nuse(x, ns);\n"
    reads = {r.name: r.usage for r in file_reads(parse_javascript(src, "src/x.js"))}
    assert reads == {"NS": "default", "LITERAL_FIRST": "required"}


def test_zod_schema_parsed_from_process_env(tmp_path):
    use = _use(tmp_path, {"api/src/env.ts": """\
        import { z } from 'zod';
        const Url = z.string().url();
        const Base = z.object({
          DB_HOST: z.string().min(1),
          DB_PORT: z.coerce.number().default(5432),
          SENTRY: z.string().optional(),
          NICKNAME: z.string().nullish(),
          MODE: z.enum(['a', 'b']).catch('a'),
          UPSTREAM: Url,
        });
        const Full = Base.extend({ JWT_KEY: z.string() }).merge(z.object({ EXTRA: z.string() }));
        export const env = Full.parse(process.env);
        """})
    assert _usages(use) == {
        "DB_HOST": "required", "DB_PORT": "default", "SENTRY": "default", "NICKNAME": "default", "MODE": "default",
        "UPSTREAM": "required", "JWT_KEY": "required", "EXTRA": "required",
    }
    assert use.reads["DB_HOST"][0].location.path == "api/src/env.ts" and use.reads["DB_HOST"][0].location.line == 4
    assert use.reads_all == []  # the schema names what it reads: process.env is not read as a whole


def test_safe_parse_is_required_only_when_failure_stops_the_program(tmp_path):
    use = _use(tmp_path, {
        "api/src/a.ts": "import { z } from 'zod';\nconst r = z.object({ HARD: z.string() }).safeParse(process.env);\nif (!r.success) process.exit(1);\n",
        "api/src/b.ts": "import { z } from 'zod';\nconst s = z.object({ SOFT: z.string() }).safeParse(process.env);\nif (!s.success) console.warn(s.error);\n",
    })
    assert use.usage("HARD") == "required" and use.usage("SOFT") == "unknown"


def test_schema_factory_in_a_local_package_takes_its_keys_from_the_call_site(tmp_path):
    use = _use(tmp_path, {
        "packages/common/package.json": '{"name": "@mini/common"}',
        "packages/common/src/index.ts": "export * from './env';\n",
        "packages/common/src/env.ts": """\
            import { z } from 'zod';
            const base = z.object({ NODE_ENV: z.string(), LOG_LEVEL: z.string().default('info') });
            export const makeEnv = <E extends z.ZodRawShape>(extra: E) => {
              const parsed = base.extend(extra).safeParse(process.env);
              if (!parsed.success) throw new Error('bad env');
              return parsed.data;
            };
            """,
        "api/src/config.ts": "import { makeEnv as make } from '@mini/common';\nimport { z } from 'zod';\nexport const env = make({ QUEUE_URL: z.string(), TTL: z.number().optional() });\n",
    }, deps={"@mini/common": "file:../packages/common"})
    assert _usages(use) == {"NODE_ENV": "required", "LOG_LEVEL": "default", "QUEUE_URL": "required", "TTL": "default"}
    assert use.reads["QUEUE_URL"][0].location.path == "api/src/config.ts"
    assert use.reads["NODE_ENV"][0].location.path == "packages/common/src/env.ts"


def test_a_factory_nobody_calls_reads_nothing(tmp_path):
    use = _use(tmp_path, {"api/src/env.ts": """\
        import { z } from 'zod';
        export function makeEnv(extra: z.ZodRawShape) {
          return z.object({ ONLY_IF_CALLED: z.string() }).extend(extra).parse(process.env);
        }
        """})
    assert "ONLY_IF_CALLED" not in use.reads


def test_envalid_env_var_and_nest_config(tmp_path):
    use = _use(tmp_path, {
        "api/src/a.ts": """\
            import { cleanEnv, str, port } from 'envalid';
            export const cfg = cleanEnv(process.env, { API_KEY: str(), PORT2: port({ default: 80 }), AUDIT: str({ devDefault: 'x' }) });
            """,
        "api/src/b.js": """\
            const env = require('env-var');
            const a = env.get('MUST').required().asString();
            const b = env.get('MAYBE').asString();
            const c = env.get('WITH_DEFAULT').default('1').asInt();
            const d = env.get('NOT_REQUIRED').required(false).asString();
            """,
        "api/src/c.service.ts": """\
            import { ConfigService } from '@nestjs/config';
            export class S {
              constructor(private readonly configService: ConfigService) {}
              a() { return this.configService.getOrThrow<string>('NEST_MUST'); }
              b() { return this.configService.get('NEST_DEFAULT', 3); }
              c() { return connect(this.configService.get<string>('NEST_USED')); }
              d() { return this.configService.get('database.host'); }
            }
            """,
    })
    assert _usages(use) == {
        "API_KEY": "required", "PORT2": "default", "AUDIT": "default",
        "MUST": "required", "MAYBE": "guarded", "WITH_DEFAULT": "default", "NOT_REQUIRED": "guarded",
        "NEST_MUST": "required", "NEST_DEFAULT": "default", "NEST_USED": "required",
    }
    assert use.reads_all == []


def test_printing_the_environment_is_not_reading_it():
    from tiketi_doctor.analysis.envvars import whole_environment

    module = parse_javascript("log.error(JSON.stringify(process.env));\nconst all = { ...process.env };\n", "x.ts")
    assert [loc.line for loc in whole_environment(module)] == [2]
