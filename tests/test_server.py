"""The preview server: request handling without sockets, the live state, and one real connection."""

from __future__ import annotations

import http.client
import json
import socket
import threading
from types import MappingProxyType

import pytest

from cxsite.build import Rebuild
from cxsite.problem import error, warning
from cxsite.serve.server import (
    EVENTS_PATH,
    LIVE_SCRIPT,
    Preview,
    PreviewServer,
    Snapshot,
    handle_request,
    inject_live_script,
    site_path,
    sse_message,
)

PAGE = "<!DOCTYPE html>\n<html><head><title>t</title></head><body><p>首页</p></body></html>\n".encode()
NOT_FOUND = b"<!DOCTYPE html>\n<html><body><h1>404</h1></body></html>\n"
FILES = {
    "index.html": PAGE,
    "bulletins/index.html": PAGE,
    "bulletins/1/index.html": PAGE,
    "404.html": NOT_FOUND,
    "css/site.css": b"body{color:#222}",
    "feed.xml": b"<?xml version='1.0' encoding='UTF-8'?><rss/>",
    "sitemap.xml": b"<?xml version='1.0'?><urlset/>",
    "events.ics": b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
    "search.json": b"{}",
    "js/search.js": b"console.log(1)",
    "img/banner.svg": b"<svg/>",
    "img/\u5408\u5f71.jpg": b"\xff\xd8\xff",
    "img/logo.png": b"\x89PNG",
    "robots.txt": b"User-agent: *\n",
    "files/plan.pdf": b"%PDF",
    "files/data.unknownext": b"?",
}
SNAP = Snapshot(MappingProxyType(FILES), generation=3, seq=5)
BAD_PATH = "请求的路径不合法。\n".encode()


def get(target: str, snapshot: Snapshot = SNAP, method: str = "GET"):
    return handle_request(snapshot, method, target)


@pytest.mark.parametrize("target", [
    "/../site.yaml",
    "/bulletins/../../etc/passwd",
    "/bulletins/..",
    "/./index.html",
    "/bulletins/./1/",
    "/%2e%2e/site.yaml",
    "/%2E%2E%2Fsite.yaml",
    "/bulletins/%2e%2e/%2e%2e/etc/passwd",
    "/%252e%252e/site.yaml",
    "/%252e%252e%252fsite.yaml",
    "/%25252e%25252e/site.yaml",
    "/..%5csite.yaml",
    "/..%5Csite.yaml",
    "/..\\site.yaml",
    "/bulletins\\1\\index.html",
    "/index.html%00.css",
    "/%00",
    "/index.html\x00",
    "/%0a",
    "//etc/passwd",
    "/bulletins//1/",
    "index.html",
    "",
    "/%ff%fe",
    "/%c0%ae%c0%ae/site.yaml",
])
def test_unsafe_paths_are_refused(target):
    response = get(target)
    assert (response.status, response.body) == (400, BAD_PATH)
    assert response.header("Content-Type") == "text/plain; charset=utf-8"


@pytest.mark.parametrize(("raw", "rel"), [
    ("/", ""), ("/bulletins/1/", "bulletins/1/"), ("/css/site.css", "css/site.css"),
    ("/img/%E5%90%88%E5%BD%B1.jpg", "img/\u5408\u5f71.jpg"), ("/a%2Fb", "a/b"), ("/100%25.html", "100%.html"),
])
def test_site_path_decodes_once(raw, rel):
    assert site_path(raw) == rel


@pytest.mark.parametrize(("target", "kind"), [
    ("/", "text/html; charset=utf-8"),
    ("/bulletins/1/", "text/html; charset=utf-8"),
    ("/css/site.css", "text/css; charset=utf-8"),
    ("/feed.xml", "application/xml; charset=utf-8"),
    ("/sitemap.xml", "application/xml; charset=utf-8"),
    ("/events.ics", "text/calendar; charset=utf-8"),
    ("/search.json", "application/json; charset=utf-8"),
    ("/js/search.js", "text/javascript; charset=utf-8"),
    ("/img/banner.svg", "image/svg+xml; charset=utf-8"),
    ("/img/%E5%90%88%E5%BD%B1.jpg", "image/jpeg"),
    ("/img/logo.png", "image/png"),
    ("/robots.txt", "text/plain; charset=utf-8"),
    ("/files/plan.pdf", "application/pdf"),
    ("/files/data.unknownext", "application/octet-stream"),
])
def test_content_types(target, kind):
    response = get(target)
    assert response.status == 200
    assert response.header("Content-Type") == kind
    assert response.header("Content-Length") == str(len(response.body))
    assert response.header("Cache-Control") == "no-store"
    assert response.header("ETag") is None and response.header("Last-Modified") is None


@pytest.mark.parametrize("target", ["/css/site.css", "/feed.xml", "/events.ics", "/img/banner.svg",
                                    "/js/search.js", "/search.json"])
def test_only_html_pages_get_the_script(target):
    rel = target[1:]
    assert get(target).body == FILES[rel]


def _script(watch: list[str], state: dict) -> bytes:
    config = json.dumps({"state": state, "watch": watch}, ensure_ascii=False, separators=(",", ":"))
    return f"<script>/* cxsite serve */\n{LIVE_SCRIPT.strip()}({config});\n</script>\n".encode()


def test_pages_get_the_script_before_body_end_and_the_built_files_stay_as_they_were():
    state = {"changed": None, "generation": 3, "ok": True, "problems": []}
    body = get("/bulletins/1/").body
    head, _, tail = PAGE.partition(b"</body>")
    assert body == head + _script(["bulletins/1/index.html"], state) + b"</body>" + tail
    assert get("/").body == head + _script(["index.html"], state) + b"</body>" + tail
    assert FILES["bulletins/1/index.html"] == PAGE  # served copies only; the site itself is untouched


def test_script_goes_at_the_end_without_a_body_tag_and_before_the_last_one_in_any_case():
    assert inject_live_script(b"<p>x", ["a"], SNAP).startswith(b"<p>x<script>")
    page = b"<BODY><pre>&lt;/body&gt; </body> in text</pre></BODY>"
    injected = inject_live_script(page, ["a"], SNAP)
    assert injected.startswith(page[:-7] + b"<script>") and injected.endswith(b"</script>\n</BODY>")


def test_problem_text_cannot_close_the_script():
    broken = Snapshot(MappingProxyType(FILES), 3, 6, False, (error("content/a.md", 2, "</script><b>x"),))
    body = get("/", broken).body
    assert body.count(b"</script>") == 1
    assert b"\\u003c/script>\\u003cb>x" in body


def test_directory_urls_and_redirects():
    assert get("/bulletins/").status == 200
    response = get("/bulletins/1")
    assert (response.status, response.header("Location"), response.body) == (302, "/bulletins/1/", b"")
    assert get("/bulletins/1?page=2#top").header("Location") == "/bulletins/1/?page=2"
    assert get("/bulletins/1/index.html").status == 200
    assert get("/bulletins/1/?utm=x").status == 200


@pytest.mark.parametrize("target", ["/nope/", "/nope", "/site.yaml", "/content/bulletins/001.md",
                                    "/css/", "/bulletins/99/", "/public/index.html"])
def test_unknown_paths_get_the_sites_404_page(target):
    response = get(target)
    assert response.status == 404
    assert response.header("Content-Type") == "text/html; charset=utf-8"
    assert response.body.startswith(NOT_FOUND.partition(b"</body>")[0] + b"<script>")


def test_a_404_page_reloads_when_the_missing_page_appears():
    state = {"changed": None, "generation": 3, "ok": True, "problems": []}
    assert _script(["404.html", "nope/index.html"], state) in get("/nope/").body
    assert _script(["404.html", "nope", "nope/index.html"], state) in get("/nope").body


def test_without_a_404_page_a_plain_one_is_served():
    response = get("/x/", Snapshot(MappingProxyType({})))
    assert response.status == 404
    assert "页面不存在".encode() in response.body and b"<script>" in response.body


def test_head_answers_the_headers_of_get_without_a_body():
    for target in ("/bulletins/1/", "/css/site.css", "/nope/"):
        full, head = get(target), get(target, method="HEAD")
        assert (head.status, head.headers, head.body) == (full.status, full.headers, b"")


def test_other_methods_are_refused():
    response = get("/", method="POST")
    assert (response.status, response.header("Allow")) == (405, "GET, HEAD")


def test_event_message_format():
    gap = warning("content/bulletins", None, "缺期", "补上")
    snapshot = Snapshot(MappingProxyType(FILES), 4, 7, True, (gap,), ("bulletins/1/index.html", "feed.xml"))
    assert sse_message(snapshot) == (
        'id: 7\nevent: build\ndata: {"changed":["bulletins/1/index.html","feed.xml"],"generation":4,'
        '"ok":true,"problems":[{"error":false,"hint":"补上","location":"content/bulletins",'
        '"text":"content/bulletins: 警告：缺期"}]}\n\n').encode()


def test_failed_build_message_lists_each_problem_with_location_and_hint():
    problem = error("content/bulletins/001.md", 3, "“issue”后面用了全角冒号“：”", "改成半角冒号加空格",
                    column=6)
    snapshot = Snapshot(MappingProxyType(FILES), 4, 8, False, (problem,), ())
    assert sse_message(snapshot, known_changes=False) == (
        'id: 8\nevent: build\ndata: {"changed":null,"generation":4,"ok":false,"problems":[{"error":true,'
        '"hint":"改成半角冒号加空格","location":"content/bulletins/001.md:3:6",'
        '"text":"content/bulletins/001.md:3:6: 错误：“issue”后面用了全角冒号“：”"}]}\n\n').encode()


def test_event_stream_opens_with_retry_and_the_current_state():
    response = get(EVENTS_PATH + "?since=1")
    assert response.status == 200 and response.stream
    assert response.header("Content-Type") == "text/event-stream; charset=utf-8"
    assert response.body == b"retry: 1000\n\n" + sse_message(SNAP, known_changes=False)
    assert not get(EVENTS_PATH, method="HEAD").stream


def _good(files: dict, changed=()) -> Rebuild:
    return Rebuild((), files, tuple(changed), len(files))


def test_preview_serves_the_last_good_build_and_the_latest_problems():
    outcomes = iter([_good({"index.html": b"1"}, ["index.html"]),
                     Rebuild((error("content/a.md", 2, "坏了"),), {}),
                     _good({"index.html": b"2"}, ["index.html"])])
    seen = []
    preview = Preview(lambda changes: seen.append(changes) or next(outcomes))
    preview.refresh()
    first = preview.snapshot()
    assert (dict(first.files), first.generation, first.seq, first.ok, first.changed) == \
        ({"index.html": b"1"}, 1, 1, True, ("index.html",))
    preview.refresh("batch-2")
    failed = preview.snapshot()
    assert (dict(failed.files), failed.generation, failed.seq, failed.ok, failed.changed) == \
        ({"index.html": b"1"}, 1, 2, False, ())
    assert [p.message for p in failed.problems] == ["坏了"]
    preview.refresh("batch-3")
    fixed = preview.snapshot()
    assert (dict(fixed.files), fixed.generation, fixed.seq, fixed.ok, fixed.problems) == \
        ({"index.html": b"2"}, 2, 3, True, ())
    assert seen == [None, "batch-2", "batch-3"]


def test_preview_keeps_its_own_copy_of_the_files():
    files = {"index.html": b"1"}
    preview = Preview(lambda changes: _good(files))
    preview.refresh()
    files["index.html"] = b"half-built"
    assert preview.snapshot().files["index.html"] == b"1"


def test_waiting_for_a_rebuild():
    preview = Preview(lambda changes: _good({}))
    assert preview.wait_after(0, timeout=0) is None
    preview.refresh()
    assert preview.wait_after(0, timeout=0).seq == 1
    assert preview.wait_after(1, timeout=0) is None
    preview.close()
    assert preview.wait_after(0, timeout=0) is None


# One real socket: the port fallback and an event stream end to end.

def test_a_taken_port_is_replaced_by_a_free_one():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = PreviewServer("127.0.0.1", port)
        try:
            assert server.port != port and server.port_was_taken
            assert server.url == f"http://127.0.0.1:{server.port}/"
        finally:
            server.close()


def test_binds_to_the_loopback_address_by_default():
    server = PreviewServer(port=0)
    try:
        assert server.host == "127.0.0.1" and not server.port_was_taken
    finally:
        server.close()


def test_event_stream_over_http_sends_each_rebuild():
    outcomes = iter([_good({"index.html": PAGE}, ["index.html"]),
                     Rebuild((error("content/a.md", 2, "坏了"),), {})])
    preview = Preview(lambda changes: next(outcomes))
    preview.refresh()
    server = PreviewServer("127.0.0.1", 0).serve(preview)
    try:
        page = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        page.request("GET", "/")
        reply = page.getresponse()
        assert (reply.status, reply.getheader("Content-Type")) == (200, "text/html; charset=utf-8")
        assert reply.read() == handle_request(preview.snapshot(), "GET", "/").body
        events = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        events.request("GET", EVENTS_PATH)
        stream = events.getresponse()
        assert stream.getheader("Content-Type") == "text/event-stream; charset=utf-8"
        first = sse_message(preview.snapshot(), known_changes=False)
        assert stream.read(len(b"retry: 1000\n\n") + len(first)) == b"retry: 1000\n\n" + first
        threading.Thread(target=preview.refresh).start()
        broken = (error("content/a.md", 2, "坏了"),)
        second = sse_message(Snapshot(MappingProxyType({}), 1, 2, False, broken, ()))
        assert stream.read(len(second)) == second
    finally:
        server.close()
