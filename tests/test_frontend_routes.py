"""The frontend router and link analysis on small real repositories (tree-sitter, no mocks)."""
from __future__ import annotations

from pathlib import Path

from tiketi_doctor.analysis.frontend_routes import hidden_links, match_route, nav_links, router_paths
from tiketi_doctor.catalogue_choice import find_catalogue
from tiketi_doctor.context import ScanContext
from tiketi_doctor.repo import RepoView

CATALOGUE = """\
version: 1
name: t
components:
  - {name: ui, role: frontend, port: 3000, source: ui/src}
"""


def _context(tmp_path: Path, files: dict[str, str]) -> tuple[ScanContext, object]:
    (tmp_path / "tiketi-doctor.yaml").write_text(CATALOGUE)
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    catalogue = find_catalogue(tmp_path)
    return ScanContext(RepoView(tmp_path), catalogue), catalogue.component("ui")


APP = """\
import { Routes, Route } from 'react-router-dom';
import Shop from './Shop';

export default function App() {
  return (
    <Routes>
      <Route path="/shop" element={<Shop />}>
        <Route path=":id" element={<Shop />} />
        <Route path="items/*" element={<Shop />} />
      </Route>
      <Route path="/:lang?/help" element={<Shop />} />
      <Route path="*" element={<Shop />} />
    </Routes>
  );
}
"""


def test_nested_routes_join_and_match_params_splats_and_templates(tmp_path):
    ctx, ui = _context(tmp_path, {"ui/src/App.js": APP, "ui/src/Shop.js": "export default function Shop() { return null; }\n"})
    routes = router_paths(ctx, ui)
    assert [r.path for r in routes] == ["/shop", "/shop/:id", "/shop/items/*", "/:lang?/help", "/*"]
    assert all(r.page.exists and r.page.file == "ui/src/Shop.js" for r in routes)
    assert match_route(routes, "/shop/42").path == "/shop/:id"
    assert match_route(routes, "/shop/items/a/b?x=1").path == "/shop/items/*"
    assert match_route(routes, "/ko/help").path == "/:lang?/help"
    assert match_route(routes, "/help#faq").path == "/:lang?/help"
    assert match_route(routes, "/shop/${}").path == "/shop/:id"
    assert match_route(routes, "/nowhere") is None  # the root catch-all is a not-found page
    assert match_route(routes, "/nowhere", fallback=True).path == "/*"
    assert match_route(routes, "relative") is None


HEADER = """\
import { Link } from 'react-router-dom';

export function Header() {
  return (
    <nav>
      <Link to="/">홈</Link>
      {
        // TODO: 상점 오픈 후
        // <Link
        //   to="/shop">
        //   상점
        // </Link>
      }
    </nav>
  );
}
"""


def test_a_link_in_line_comments_is_found_with_its_todo_and_the_text_that_restores_it(tmp_path):
    ctx, ui = _context(tmp_path, {"ui/src/App.js": APP, "ui/src/Shop.js": "export default () => null;\n", "ui/src/Header.js": HEADER})
    [hidden] = hidden_links(ctx, ui)
    assert hidden.link.target == "/shop"
    assert (hidden.link.location.line, hidden.link.location.column) == (9, 12)
    assert hidden.todo == "TODO: 상점 오픈 후"
    assert (hidden.replace.line, hidden.replace.column, hidden.replace.end_line, hidden.replace.end_column) == (7, 7, 13, 8)
    assert hidden.replace.label.startswith("{") and hidden.replace.label.endswith("}")
    assert hidden.restored == '<Link\n        to="/shop">\n        상점\n      </Link>'
    assert [link.target for link in nav_links(ctx, ui)] == ["/"]
