#!/usr/bin/env python3
"""Writes src/test/resources/hostile/cases.jsonl: the hostile-input battery, one case a line.

Each case: name, raw bytes to send (a JSON string; code points 0-255 are the bytes, {KEY} is a
valid key), the statuses expected in order (a list; [] means no response at all), whether the
server must close the connection afterwards, and whether the request may reach Ollama.
Regenerate after editing: python3 scripts/hostile-cases.py
"""
import json, os

cases = []
def case(name, send, statuses, close=False, upstream=False):
    if isinstance(statuses, int):
        statuses = [statuses]
    c = {"name": name, "send": send, "statuses": statuses, "close": close, "upstream": upstream}
    if send.startswith("HEAD "):
        c["head"] = True  # a HEAD answer has headers only: read no body
    cases.append(c)

K = "Authorization: Bearer {KEY}\r\n"
def req(method="GET", target="/api/tags", headers="Host: x\r\n" + K, body=None, version="HTTP/1.1"):
    h = headers
    if body is not None and "Content-Length" not in headers and "Transfer-Encoding" not in headers:
        h += "Content-Length: %d\r\n" % len(body.encode("latin-1"))
    return "%s %s %s\r\n%s\r\n%s" % (method, target, version, h, body or "")

GEN = '{"model":"llama3.2:3b","prompt":"hi","stream":false}'

# --- smuggling and framing ---------------------------------------------------------------
case("CL and TE together", req("POST", "/api/generate", "Host: x\r\n" + K + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"), 400, close=True)
case("TE and CL together, TE first", req("POST", "/api/generate", "Host: x\r\n" + K + "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n", "0\r\n\r\n"), 400, close=True)
case("duplicate Content-Length, different", req("POST", "/api/generate", "Host: x\r\n" + K + "Content-Length: 5\r\nContent-Length: 6\r\n", GEN), 400, close=True)
case("duplicate Content-Length, same", req("POST", "/api/generate", "Host: x\r\n" + K + "Content-Length: %d\r\nContent-Length: %d\r\n" % (len(GEN), len(GEN)), GEN), 400, close=True)
case("Content-Length list", req("POST", "/api/generate", "Host: x\r\n" + K + "Content-Length: %d, %d\r\n" % (len(GEN), len(GEN)), GEN), 400, close=True)
case("negative Content-Length", req("POST", "/api/generate", "Host: x\r\n" + K + "Content-Length: -1\r\n", ""), 400, close=True)
case("Content-Length with plus", req("POST", "/api/generate", "Host: x\r\n" + K + "Content-Length: +%d\r\n" % len(GEN), GEN), 400, close=True)
case("Content-Length hex", req("POST", "/api/generate", "Host: x\r\n" + K + "Content-Length: 0x10\r\n", ""), 400, close=True)
case("Content-Length huge number", req("POST", "/api/generate", "Host: x\r\n" + K + "Content-Length: 99999999999999999999999\r\n", ""), 400, close=True)
for te in ["chunked, identity", "identity, chunked", "identity", "gzip, chunked", "chunked;q=1", "xchunked", "chunked\x00", "chunk", "\"chunked\"", "chunked,"]:
    case("Transfer-Encoding %r" % te, req("POST", "/api/generate", "Host: x\r\n" + K + "Transfer-Encoding: %s\r\n" % te, "0\r\n\r\n"), 400, close=True)
case("Transfer-Encoding space before colon", req("POST", "/api/generate", "Host: x\r\n" + K + "Transfer-Encoding : chunked\r\n", "0\r\n\r\n"), 400, close=True)
case("Transfer-Encoding tab before colon", req("POST", "/api/generate", "Host: x\r\n" + K + "Transfer-Encoding\t: chunked\r\n", "0\r\n\r\n"), 400, close=True)
case("two Transfer-Encoding headers", req("POST", "/api/generate", "Host: x\r\n" + K + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"), 400, close=True)
case("Transfer-Encoding on HTTP/1.0", req("POST", "/api/generate", K + "Transfer-Encoding: chunked\r\n", "0\r\n\r\n", version="HTTP/1.0"), 400, close=True)
case("Transfer-Encoding obs-fold", req("POST", "/api/generate", "Host: x\r\n" + K + "Transfer-Encoding:\r\n chunked\r\n", "0\r\n\r\n"), 400, close=True)
# RFC 9112 5.2 lets a server replace obs-fold by a space; Corral re-serialises headers, so nothing folded reaches Ollama.
case("obs-fold continuation line", req("GET", "/api/tags", "Host: x\r\n" + K + "X-A: a\r\n b\r\n"), [200], upstream=True)
case("header without colon", req("GET", "/api/tags", "Host: x\r\n" + K + "NoColonHere\r\n"), 400, close=True)
case("header name with space", req("GET", "/api/tags", "Host: x\r\n" + K + "X Bad: 1\r\n"), 400, close=True)
case("NUL in header value", req("GET", "/api/tags", "Host: x\r\n" + K + "X-A: a\x00b\r\n"), 400, close=True)
case("bare CR in header value", req("GET", "/api/tags", "Host: x\r\n" + K + "X-A: a\rb\r\n"), 400, close=True)
case("bare LF line endings", "GET /api/tags HTTP/1.1\nHost: x\nAuthorization: Bearer {KEY}\n\n", 400, close=True)
chunked = lambda chunks: req("POST", "/api/generate", "Host: x\r\n" + K + "Transfer-Encoding: chunked\r\n", chunks)
body = GEN
case("valid chunked body", chunked("%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)), [200], upstream=True)
case("chunk size not hex", chunked("zz\r\n%s\r\n0\r\n\r\n" % body), 400, close=True)
case("chunk size negative", chunked("-5\r\nhello\r\n0\r\n\r\n"), 400, close=True)
case("chunk size overflow", chunked("ffffffffffffffffffff\r\nhello\r\n0\r\n\r\n"), 400, close=True)
case("chunk size with leading plus", chunked("+5\r\nhello\r\n0\r\n\r\n"), 400, close=True)
case("chunk size with space inside", chunked("5 5\r\nhello\r\n0\r\n\r\n"), 400, close=True)
case("chunk data longer than size", chunked("2\r\nhello\r\n0\r\n\r\n"), 400, close=True)
case("chunk extension abuse", chunked("%x;%s\r\n%s\r\n0\r\n\r\n" % (len(body), "a=b;" * 5000, body)), 400, close=True)
case("chunk without CRLF after data", chunked("%x\r\n%sXX0\r\n\r\n" % (len(body), body)), 400, close=True)
case("chunked body that is not JSON", chunked("5\r\nhello\r\n0\r\n\r\n"), 400)
# RFC 9112 3 lets a server split the request line on whitespace; Corral forwards its own canonical line.
case("two spaces in request line", "GET  /api/tags HTTP/1.1\r\nHost: x\r\n" + K + "\r\n", [200], upstream=True)
case("HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505, close=True)
case("HTTP/0.9 style", "GET /api/tags\r\n\r\n", 400, close=True)
case("unknown HTTP version", "GET /api/tags HTTP/3.7\r\nHost: x\r\n" + K + "\r\n", 505, close=True)
case("HTTP/2.0 in a request line", "GET /api/tags HTTP/2.0\r\nHost: x\r\n" + K + "\r\n", 505, close=True)
case("HTTP/1.2", "GET /api/tags HTTP/1.2\r\nHost: x\r\n" + K + "\r\n", 505, close=True)
case("garbage request line", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 tls hello", 400, close=True)

# --- oversize ------------------------------------------------------------------------------
case("request line over the limit", req("GET", "/" + "a" * 9000), 414, close=True)
case("query over the limit", req("GET", "/api/tags?" + "q=1&" * 3000), 414, close=True)
case("one header over the limit", req("GET", "/api/tags", "Host: x\r\n" + K + "X-Big: " + "b" * 17000 + "\r\n"), 431, close=True)
case("many headers over the limit", req("GET", "/api/tags", "Host: x\r\n" + K + "".join("X-H%d: %s\r\n" % (i, "v" * 40) for i in range(400))), 431, close=True)
case("many small headers within the limit", req("GET", "/api/tags", "Host: x\r\n" + K + "".join("X-%d: v\r\n" % i for i in range(100))), [200], upstream=True)
case("Content-Length over the body limit", req("POST", "/api/generate", "Host: x\r\n" + K + "Content-Length: 1000000000\r\n", '{"model":'), 413, close=True)
case("Content-Length just over the body limit", req("POST", "/api/generate", "Host: x\r\n" + K + "Content-Length: 65537\r\n", '{'), 413, close=True)
case("chunked body growing past the limit", chunked("".join("4000\r\n" + "a" * 0x4000 + "\r\n" for _ in range(5))), 413, close=True)
case("huge bearer key", req("GET", "/api/tags", "Host: x\r\nAuthorization: Bearer " + "k" * 10000 + "\r\n"), 401)
case("key of exactly the right shape but unknown", req("GET", "/api/tags", "Host: x\r\nAuthorization: Bearer crl_aaaaaaaaaaaa_" + "a" * 43 + "\r\n"), 401)

# --- paths ---------------------------------------------------------------------------------
admin_paths = ["/api/pull", "/api/pull/", "/API/PULL", "/Api/Pull", "/api/pull;x", "/api/pull;/", "/api/./pull", "/api/../api/pull",
    "//api/pull", "/api//pull", "/api/pull%2f", "/api%2fpull", "/api%2Fpull", "/%61pi/pull", "/api/%70ull", "/api/p%75ll",
    "/api/pull%00", "/api/pull%20", "/api/pull%09", "/api/%2e/pull", "/api/%2e%2e/api/pull", "/api/%252e%252e/pull", "/api/pull%23",
    "/api/pull%3f", "/api/pull#frag", "/api/pull/.", "/api/pull/..", "/api/pull.json", "/v1/../api/pull", "/api/delete",
    "/api/create", "/api/push", "/api/copy", "/api/blobs/sha256:" + "0" * 64, "/api/me", "/api/signout",
    "/api/experimental/web_search", "/api/experimental/web_fetch", "/api/%c0%ae%c0%ae/pull", "/api/%e0%80%ae/pull"]
for p in admin_paths:
    bad_target = any(x in p for x in ["%00", "%09", "%c0", "%e0"])
    case("admin path %s" % p, req("POST", p, "Host: x\r\n" + K, '{"model":"llama3"}'), 400 if bad_target else 404, close=True)
case("user key delete", req("DELETE", "/api/user/keys/ssh-ed25519%20AAAA", "Host: x\r\n" + K), 404)
case("delete with body", req("DELETE", "/api/delete", "Host: x\r\n" + K, '{"model":"llama3"}'), 404, close=True)
case("absolute-form target", req("POST", "http://127.0.0.1:11434/api/pull", "Host: x\r\n" + K, '{"model":"x"}'), 400, close=True)
case("absolute-form to an inference route", req("GET", "http://x/api/tags"), 400, close=True)
case("authority-form target", req("CONNECT", "127.0.0.1:11434"), 400, close=True)
case("asterisk-form target", req("OPTIONS", "*"), 400, close=True)
case("NUL raw in path", "GET /api/tags\x00x HTTP/1.1\r\nHost: x\r\n" + K + "\r\n", 400, close=True)
case("bad target then a request: closed, the second is never read", "GET /api/%zz HTTP/1.1\r\nHost: x\r\n" + K + "\r\n" + "GET /api/version HTTP/1.1\r\nHost: x\r\n" + K + "\r\n", [400], close=True)
case("control byte raw in path", "GET /api/\x01tags HTTP/1.1\r\nHost: x\r\n" + K + "\r\n", 400, close=True)
case("DEL raw in path", "GET /api/\x7ftags HTTP/1.1\r\nHost: x\r\n" + K + "\r\n", 400)
case("high byte raw in path", "GET /api/\xfftags HTTP/1.1\r\nHost: x\r\n" + K + "\r\n", 400)
case("encoded NUL", req("GET", "/api/tags%00"), 400)
case("bad escape", req("GET", "/api/%zztags"), 400)
case("truncated escape", req("GET", "/api/tags%"), 400)
case("overlong dot", req("GET", "/api/%c0%aetags"), 400)
case("encoded CRLF", req("GET", "/api/tags%0d%0aX-Injected:%201"), 400)
case("query with raw space", "GET /api/tags?a b HTTP/1.1\r\nHost: x\r\n" + K + "\r\n", 400)
case("query harmless", req("GET", "/api/tags?x=1&y=%20"), [200], upstream=True)
case("encoded path to a real route", req("GET", "/api/%74ags"), [200], upstream=True)
case("trailing slash on a real route", req("GET", "/api/tags/"), 404)
case("dot segment before a real route", req("GET", "/./api/tags"), 404)
case("unknown path", req("GET", "/admin"), 404)
case("unknown v1 path", req("GET", "/v1/files"), 404)
case("root with key", req("GET", "/"), [200], upstream=True)
case("long but valid path", req("GET", "/api/" + "x" * 4000), 404)
for p in ["/etc/passwd", "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/.env", "/.git/config", "/api/../../etc/passwd", "/server-status", "/metrics"]:
    case("scanner path %s" % p, req("GET", p), 404)

# --- methods -------------------------------------------------------------------------------
for m in ["FOO", "PROPFIND", "PATCH", "PUT", "DELETE", "TRACE", "OPTIONS", "LINK", "MOVE"]:
    case("method %s on /api/tags" % m, req(m, "/api/tags"), 405)
case("method CONNECT on a path", req("CONNECT", "/api/tags"), 405)
case("HEAD on a streaming route", req("HEAD", "/api/chat"), 405)
case("GET on a streaming route", req("GET", "/api/generate"), 405)
case("lowercase method", req("get", "/api/tags"), 405)
case("TRACE on root", req("TRACE", "/"), 405)
case("OPTIONS preflight from a foreign origin", req("OPTIONS", "/api/chat", "Host: x\r\nOrigin: https://evil.example\r\nAccess-Control-Request-Method: POST\r\n"), 405)
case("OPTIONS preflight on /v1", req("OPTIONS", "/v1/chat/completions", "Host: x\r\nOrigin: https://evil.example\r\nAccess-Control-Request-Method: POST\r\n"), 405)
case("HEAD on tags", req("HEAD", "/api/tags"), [200], upstream=True)
case("HEAD on version", req("HEAD", "/api/version"), [200], upstream=True)
case("method with body on GET route", req("GET", "/api/tags", "Host: x\r\n" + K, "{}"), 400, close=True)
case("extremely long method", req("A" * 5000, "/api/tags"), 405)

# --- headers -------------------------------------------------------------------------------
case("no Host on HTTP/1.1", req("GET", "/api/tags", K), 400, close=True)
case("two Host headers", req("GET", "/api/tags", "Host: x\r\nHost: y\r\n" + K), 400, close=True)
case("Host with userinfo", req("GET", "/api/tags", "Host: user:pw@x\r\n" + K), 400, close=True)
case("Host with path", req("GET", "/api/tags", "Host: x/y\r\n" + K), 400, close=True)
case("Host with space", req("GET", "/api/tags", "Host: x y\r\n" + K), 400, close=True)
case("empty Host", req("GET", "/api/tags", "Host:\r\n" + K), [200], upstream=True)
case("IPv6 Host", req("GET", "/api/tags", "Host: [::1]:11443\r\n" + K), [200], upstream=True)
case("no Host on HTTP/1.0", req("GET", "/api/tags", K, version="HTTP/1.0"), [200], close=True, upstream=True)
auths = {
    "duplicated Authorization": "Authorization: Bearer {KEY}\r\nAuthorization: Bearer {KEY}\r\n",
    "Authorization and x-api-key": "Authorization: Bearer {KEY}\r\nx-api-key: {KEY}\r\n",
    "Basic scheme": "Authorization: Basic dXNlcjpwYXNz\r\n",
    "Digest scheme": "Authorization: Digest username=x\r\n",
    "no scheme": "Authorization: {KEY}\r\n",
    "Bearer without token": "Authorization: Bearer\r\n",
    "Bearer with two tokens": "Authorization: Bearer {KEY} {KEY}\r\n",
    "Bearer with tab": "Authorization: Bearer\t{KEY}\r\n",
    "Bearer with comma list": "Authorization: Bearer {KEY}, Bearer {KEY}\r\n",
    "unicode in token": "Authorization: Bearer crl_\xe9\xe9\r\n",
    "NUL in token": "Authorization: Bearer crl_\x00abc\r\n",
    "token with quotes": "Authorization: Bearer \"{KEY}\"\r\n",
    "empty x-api-key": "x-api-key: \r\n",
    "x-api-key with spaces inside": "x-api-key: crl_a b\r\n",
    "Bearer with a key plus junk": "Authorization: Bearer {KEY}junk\r\n",
    "Proxy-Authorization only": "Proxy-Authorization: Bearer {KEY}\r\n",
    "Cookie only": "Cookie: key={KEY}\r\n",
    "key in query only": "",
}
for name, h in auths.items():
    target = "/api/tags?key={KEY}" if name == "key in query only" else "/api/tags"
    expect = 400 if name in ("NUL in token",) else 401
    case("auth: " + name, req("GET", target, "Host: x\r\n" + h), expect, close=(expect == 400))
# The ollama CLI's signature header (<base64 ssh key>:<base64 signature>, no scheme), malformed or foreign.
ED = "AAAAC3NzaC1lZDI1NTE5AAAAIAW81gekZmqPQRggkithW4zFnN7x8ZnVsEizfBFdBkhb"
SIG = "A" * 86 + "=="
signatures = {
    "signature by an unregistered key": (ED + ":" + SIG, "/api/tags?ts=1767225600"),
    "signature without ts": (ED + ":" + SIG, "/api/tags"),
    "signature with two ts": (ED + ":" + SIG, "/api/tags?ts=1&ts=1"),
    "signature by an ssh-rsa key": ("AAAAB3NzaC1yc2EAAAADAQABAAAAAQA=:" + SIG, "/api/tags?ts=1"),
    "signature by an ecdsa key": ("AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTY=:" + SIG, "/api/tags?ts=1"),
    "signature not base64": ("not*base64:" + SIG, "/api/tags?ts=1"),
    "signature too short": (ED + ":AAAA", "/api/tags?ts=1"),
    "signature with two colons": (ED + ":" + SIG + ":x", "/api/tags?ts=1"),
    "signature huge": (ED + ":" + "A" * 5000, "/api/tags?ts=1"),
    "signature key length lies": ("AAAAC3NzaC1lZDI1NTE5/////w==:" + SIG, "/api/tags?ts=1"),
    "signature with latin-1": (ED + ":\xe9" + SIG, "/api/tags?ts=1"),
}
for name, (value, target) in signatures.items():
    case("auth: " + name, req("GET", target, "Host: x\r\nAuthorization: " + value + "\r\n"), 401)
# JWT-shaped bearer tokens with no identity provider configured: as an unknown key.
JWT_HEAD = "eyJhbGciOiJub25lIn0"  # {"alg":"none"}
for name, token in {"jwt alg none": JWT_HEAD + ".eyJzdWIiOiJ4In0.", "jwt with four parts": JWT_HEAD + ".a.b.c",
                    "jwt huge": JWT_HEAD + "." + "A" * 9000 + ".x", "jwt with latin-1": JWT_HEAD + ".\xe9.x"}.items():
    case("auth: " + name, req("GET", "/api/tags", "Host: x\r\nAuthorization: Bearer " + token + "\r\n"), 401)
case("auth: Basic and a key together", req("GET", "/api/tags", "Host: x\r\n" + K + "Authorization: Basic dXNlcjpwYXNz\r\n"), 400)
case("auth: Basic not base64", req("GET", "/api/tags", "Host: x\r\nAuthorization: Basic ***\r\n"), 401)
case("auth: Basic without a colon", req("GET", "/api/tags", "Host: x\r\nAuthorization: Basic dXNlcg==\r\n"), 401)
case("auth: Basic with an empty user", req("GET", "/api/tags", "Host: x\r\nAuthorization: Basic OnBhc3M=\r\n"), 401)
case("auth: a key and a signature together", req("GET", "/api/tags?ts=1", "Host: x\r\n" + K + "Authorization: " + ED + ":" + SIG + "\r\n"), 400)
case("auth: a signature and an x-api-key together", req("GET", "/api/tags?ts=1", "Host: x\r\nx-api-key: {KEY}\r\nAuthorization: " + ED + ":" + SIG + "\r\n"), 400)
case("auth: lowercase bearer", req("GET", "/api/tags", "Host: x\r\nAuthorization: bearer {KEY}\r\n"), [200], upstream=True)
case("auth: spaces around token", req("GET", "/api/tags", "Host: x\r\nAuthorization: Bearer    {KEY}   \r\n"), [200], upstream=True)
case("auth: x-api-key works", req("GET", "/api/tags", "Host: x\r\nx-api-key: {KEY}\r\n"), [200], upstream=True)
case("X-Forwarded-For from an untrusted peer is ignored", req("GET", "/api/tags", "Host: x\r\n" + K + "X-Forwarded-For: 10.9.9.9\r\n"), [200], upstream=True)
case("Forwarded header ignored", req("GET", "/api/tags", "Host: x\r\n" + K + "Forwarded: for=10.9.9.9\r\n"), [200], upstream=True)
case("Expect with unknown value", req("POST", "/api/generate", "Host: x\r\n" + K + "Expect: 200-ok\r\n", GEN), 417, close=True)
case("Upgrade to websocket ignored", req("GET", "/api/tags", "Host: x\r\n" + K + "Connection: Upgrade\r\nUpgrade: websocket\r\n"), [200], upstream=True)
case("Upgrade to h2c ignored", req("GET", "/api/tags", "Host: x\r\n" + K + "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n"), [200], upstream=True)
case("Connection: close honoured", req("GET", "/api/tags", "Host: x\r\n" + K + "Connection: close\r\n"), [200], close=True, upstream=True)
case("header value with high bytes", req("GET", "/api/tags", "Host: x\r\n" + K + "X-Name: caf\xe9\r\n"), [200], upstream=True)

# --- JSON bodies ---------------------------------------------------------------------------
def gen(body, expect, upstream=False, close=False, path="/api/generate"):
    return (req("POST", path, "Host: x\r\n" + K, body), expect, upstream, close)
jsons = {
    "invalid UTF-8": ('{"model":"\xc3\x28"}', 400),
    "overlong UTF-8 in string": ('{"model":"\xc0\xae"}', 400),
    "invalid UTF-8 in a nested field name": ('{"options":{"nu\xffm":5},"model":"llama3.2:3b"}', 400),
    "UTF-16 BOM": ('\xfe\xff{}', 400),
    "deep nesting": ('{"model":"llama3.2:3b","x":' + "[" * 300 + "]" * 300 + "}", 400),
    "deep object nesting": ('{"model":"llama3.2:3b","x":' + '{"a":' * 100 + "1" + "}" * 100 + "}", 400),
    "huge number": ('{"model":"llama3.2:3b","options":{"num_predict":' + "9" * 200 + "}}", 400),
    "duplicate model": ('{"model":"llama3.2:3b","model":"evil:cloud"}', 400),
    "model in other case": ('{"model":"llama3.2:3b","MODEL":"evil:cloud"}', 400),
    "model in mixed case only": ('{"Model":"x:cloud"}', 403),
    # Go folds the Kelvin sign onto k, so this is keep_alive: 0 (unload); non-ASCII names that fold onto a field are refused.
    "model with unicode k (Kelvin)": ('{"model":"llama3.2:3b","\u212aeep_alive":0}'.encode("utf-8").decode("latin-1"), 400),
    "model not a string": ('{"model":["llama3.2:3b"]}', 400),
    "model object": ('{"model":{"name":"llama3.2:3b"}}', 400),
    "model empty": ('{"model":""}', 400),
    "model with path traversal": ('{"model":"../../../etc/passwd"}', 400),
    "model with leading slash": ('{"model":"/llama3"}', 400),
    "model with registry host": ('{"model":"evil.example/x:latest","prompt":"x","stream":false}', 404),
    "model cloud tag": ('{"model":"gpt-oss:120b-cloud"}', 403),
    "model cloud uppercase": ('{"model":"GPT-OSS:120B-CLOUD"}', 403),
    "model cloud with registry": ('{"model":"registry.ollama.ai/library/kimi:cloud"}', 403),
    "model cloud with trailing space": ('{"model":"kimi:cloud "}', 400),
    "model cloud with NUL": ('{"model":"kimi:cloud\\u0000"}', 400),
    "model cloud escaped": ('{"model":"kimi\\u003acloud"}', 403),
    "model two tags": ('{"model":"kimi:1b:cloud"}', 400),
    "model with percent": ('{"model":"kimi%3Acloud"}', 400),
    "body is array": ('[{"model":"llama3.2:3b"}]', 400),
    "body is string": ('"llama3.2:3b"', 400),
    "body is number": ("42", 400),
    "body is null": ("null", 400),
    "body empty object": ("{}", 400),
    "trailing garbage": ('{"model":"llama3.2:3b"} x', 400),
    "two objects": ('{"model":"llama3.2:3b"}{"model":"x:cloud"}', 400),
    "comments": ('{"model":"llama3.2:3b" /* c */}', 400),
    "single quotes": ("{'model':'llama3.2:3b'}", 400),
    "unquoted key": ('{model:"llama3.2:3b"}', 400),
    "NaN": ('{"model":"llama3.2:3b","options":{"temperature":NaN}}', 400),
    "truncated": ('{"model":"llama3.2:3b"', 400),
    "whitespace only": ("   ", 400),
    "valid with unknown fields": ('{"model":"llama3.2:3b","prompt":"x","stream":false,"zzz":[1,2,{"a":null}]}', 200),
}
for name, (b, expect) in jsons.items():
    up = expect in (200,) or name == "model with registry host"
    s_, e_, u_, c_ = gen(b, expect, upstream=up)
    case("json: " + name, s_, e_, upstream=up)
case("json: openai duplicate model", req("POST", "/v1/chat/completions", "Host: x\r\n" + K, '{"model":"llama3.2:3b","model":"x"}'), 400)
case("json: anthropic model missing", req("POST", "/v1/messages", "Host: x\r\n" + K, '{"max_tokens":5,"messages":[]}'), 400)
case("multipart without model", req("POST", "/v1/audio/transcriptions", "Host: x\r\n" + K + "Content-Type: multipart/form-data; boundary=b\r\n", "--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nxx\r\n--b--\r\n"), 400)
case("multipart with cloud model", req("POST", "/v1/audio/transcriptions", "Host: x\r\n" + K + "Content-Type: multipart/form-data; boundary=b\r\n", "--b\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper:cloud\r\n--b--\r\n"), 403)
case("transcription not multipart", req("POST", "/v1/audio/transcriptions", "Host: x\r\n" + K + "Content-Type: application/json\r\n", '{"model":"x"}'), 415)

# --- body fields read exactly as Ollama's Go decoder reads them --------------------------------
# {TPM_KEY} may use 3000 tokens a minute: each of these asks for far more in a way a reader that is
# not Go's would miss (map keys are exact, objects merge, later members win, OpenAI's max_tokens only,
# non-ASCII names that fold onto a field), so each must be refused before Ollama sees it.
T = "Authorization: Bearer {TPM_KEY}\r\n"
def u8(text):
    return text.encode("utf-8").decode("latin-1")
def limited(name, path, body, expect=400, headers=""):
    case("fields: " + name, req("POST", path, "Host: x\r\n" + T + headers, u8(body)), expect)
for path in ["/api/generate", "/api/chat"]:
    limited("num_predict and NUM_PREDICT " + path, path, '{"model":"llama3.2:3b","options":{"num_predict":100000,"NUM_PREDICT":1}}')
    limited("NUM_PREDICT first " + path, path, '{"model":"llama3.2:3b","options":{"NUM_PREDICT":1,"num_predict":100000}}')
    limited("Options and options merge " + path, path, '{"model":"llama3.2:3b","Options":{"num_predict":100000},"options":{"temperature":1}}')
    limited("options and OPTIONS merge " + path, path, '{"model":"llama3.2:3b","options":{"num_predict":100000},"OPTIONS":{"temperature":1}}')
    limited("later num_predict wins " + path, path, '{"model":"llama3.2:3b","options":{"num_predict":1},"options":{"num_predict":100000}}')
    limited("num_predict beyond int64 " + path, path, '{"model":"llama3.2:3b","options":{"num_predict":1e19}}')
    limited("num_predict negative beyond int64 " + path, path, '{"model":"llama3.2:3b","options":{"num_predict":-1e19}}')
    limited("num_predict as a string " + path, path, '{"model":"llama3.2:3b","options":{"num_predict":"100000"}}')
    limited("num_predict beyond float64 " + path, path, '{"model":"llama3.2:3b","options":{"num_predict":1e400}}')
    limited("options with a dotless i " + path, path, '{"model":"llama3.2:3b","optıons":{"num_predict":100000}}')
    limited("options as an array " + path, path, '{"model":"llama3.2:3b","options":[{"num_predict":1}]}')
    limited("stream with a long s " + path, path, '{"model":"llama3.2:3b","ſtream":false}')
for path in ["/v1/chat/completions", "/v1/completions"]:
    limited("max_tokens over max_completion_tokens " + path, path, '{"model":"llama3.2:3b","max_tokens":100000,"max_completion_tokens":1}')
    limited("max_completion_tokens first " + path, path, '{"model":"llama3.2:3b","max_completion_tokens":1,"max_tokens":100000}')
    limited("MAX_TOKENS " + path, path, '{"model":"llama3.2:3b","MAX_TOKENS":100000}')
    limited("max_tokens with an exponent " + path, path, '{"model":"llama3.2:3b","max_tokens":1e5}')
    limited("max_tokens with a fraction " + path, path, '{"model":"llama3.2:3b","max_tokens":100000.0}')
    limited("stream_options with a dotless i " + path, path, '{"model":"llama3.2:3b","stream":true,"stream_optıons":{"include_usage":true}}')
    limited("include_usage with a dotless i " + path, path, '{"model":"llama3.2:3b","stream":true,"stream_options":{"ınclude_usage":true}}')
    limited("stream as a string " + path, path, '{"model":"llama3.2:3b","stream":"true"}')
limited("responses max_output_tokens", "/v1/responses", '{"model":"llama3.2:3b","max_output_tokens":100000}')
limited("responses MAX_OUTPUT_TOKENS", "/v1/responses", '{"model":"llama3.2:3b","MAX_OUTPUT_TOKENS":100000}')
limited("anthropic max_tokens", "/v1/messages", '{"model":"llama3.2:3b","max_tokens":100000,"messages":[]}')
limited("anthropic Max_Tokens", "/v1/messages", '{"model":"llama3.2:3b","Max_Tokens":100000,"messages":[]}')
limited("anthropic max_tokens zero", "/v1/messages", '{"model":"llama3.2:3b","max_tokens":0,"messages":[]}')
limited("zstd-encoded body", "/v1/responses", '{"model":"llama3.2:3b","max_output_tokens":1}', 415, "Content-Encoding: zstd\r\n")
limited("gzip-encoded body", "/api/chat", '{"model":"llama3.2:3b"}', 415, "Content-Encoding: gzip\r\n")
# Within limits, read the same way, these go through.
case("fields: num_predict exact key wins", req("POST", "/api/generate", "Host: x\r\n" + K,
     '{"model":"llama3.2:3b","prompt":"x","stream":false,"options":{"num_predict":5,"NUM_PREDICT":100000}}'), [200], upstream=True)
case("fields: Stream_Options binds", req("POST", "/v1/chat/completions", "Host: x\r\n" + K,
     '{"model":"llama3.2:3b","messages":[{"role":"user","content":"x"}],"stream":true,"Stream_Options":{"include_usage":true}}'), [200], upstream=True)
# /api/show takes the deprecated "name" when "model" is empty, as Ollama does.
case("fields: show by name", req("POST", "/api/show", "Host: x\r\n" + K, '{"name":"kimi:cloud"}'), 403)
case("fields: show by name with empty model", req("POST", "/api/show", "Host: x\r\n" + K, '{"model":"","name":"kimi:cloud"}'), 403)
# Go's FormValue reads the query string before the form; its multipart reader is lenient where
# another parser would not be: only the plain form is accepted.
MP = "Content-Type: multipart/form-data; boundary=b\r\n"
def form(name, target, body, expect=400, ctype=MP):
    case("form: " + name, req("POST", target, "Host: x\r\n" + K + ctype, body), expect)
form("model in the query", "/v1/audio/transcriptions?model=kimi:cloud", "--b\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper\r\n--b--\r\n")
form("model in the query, escaped", "/v1/audio/transcriptions?%6Dodel=kimi:cloud", "--b\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper\r\n--b--\r\n")
form("two model fields", "/v1/audio/transcriptions", "--b\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper\r\n--b\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nkimi:cloud\r\n--b--\r\n")
form("Model is not model", "/v1/audio/transcriptions", "--b\r\nContent-Disposition: form-data; name=\"Model\"\r\n\r\nwhisper\r\n--b--\r\n")
form("RFC 2231 name", "/v1/audio/transcriptions", "--b\r\nContent-Disposition: form-data; name*=utf-8''model\r\n\r\nkimi:cloud\r\n--b--\r\n")
form("quoted-printable model", "/v1/audio/transcriptions", "--b\r\nContent-Disposition: form-data; name=\"model\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nkimi=3Acloud\r\n--b--\r\n")
form("preamble before the first boundary", "/v1/audio/transcriptions", "junk\r\n--b\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper\r\n--b--\r\n")
form("two Content-Disposition headers", "/v1/audio/transcriptions", "--b\r\nContent-Disposition: form-data; name=\"x\"\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nkimi:cloud\r\n--b--\r\n")
form("duplicate name parameter", "/v1/audio/transcriptions", "--b\r\nContent-Disposition: form-data; name=\"x\"; name=\"model\"\r\n\r\nkimi:cloud\r\n--b--\r\n")
form("LF line endings", "/v1/audio/transcriptions", "--b\nContent-Disposition: form-data; name=\"model\"\n\nkimi:cloud\n--b--\n")
form("escaped quote in the name", "/v1/audio/transcriptions", "--b\r\nContent-Disposition: form-data; name=\"mo\\\"del\"\r\n\r\nkimi:cloud\r\n--b--\r\n")
form("two Content-Type headers", "/v1/audio/transcriptions", "--b\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper\r\n--b--\r\n", 415, MP + "Content-Type: multipart/form-data; boundary=c\r\n")

# --- pipelining and keep-alive after an error ----------------------------------------------
v = req("GET", "/api/version")
case("pipelined three", v + v + v, [200, 200, 200], upstream=True)
case("404 then a valid request", req("GET", "/nope") + v, [404, 200], upstream=True)
case("405 then a valid request", req("DELETE", "/api/tags") + v, [405, 200], upstream=True)
case("401 then a valid request", req("GET", "/api/version", "Host: x\r\n") + v, [401, 200], upstream=True)
case("403 after body then a valid request", req("POST", "/api/generate", "Host: x\r\n" + K, '{"model":"x:cloud"}') + v, [403, 200], upstream=True)
case("400 JSON error then a valid request", req("POST", "/api/generate", "Host: x\r\n" + K, "{bad") + v, [400, 200], upstream=True)
case("refused with unread body closes, nothing after is read", req("POST", "/api/pull", "Host: x\r\n" + K, '{"model":"x"}') + v, [404], close=True)
case("smuggled second request in a short Content-Length", req("POST", "/api/generate", "Host: x\r\n" + K + "Content-Length: 2\r\n", "{}" + "GET /api/pull HTTP/1.1\r\nHost: x\r\n\r\n"), [400, 404], upstream=False)
case("malformed then anything is never read", "GET /api/tags HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab" + v, [400], close=True)
case("pipelined generate between gets", v + req("POST", "/api/generate", "Host: x\r\n" + K, GEN) + v, [200, 200, 200], upstream=True)
case("HTTP/1.0 keep-alive", req("GET", "/api/version", K + "Connection: keep-alive\r\n", version="HTTP/1.0") + req("GET", "/api/version", K, version="HTTP/1.0"), [200, 200], close=True, upstream=True)
case("health probe then request", req("GET", "/healthz", "Host: x\r\n") + v, [200, 200], upstream=True)

out = os.path.join(os.path.dirname(__file__), "..", "src", "test", "resources", "hostile", "cases.jsonl")
with open(out, "w") as f:
    for c in cases:
        f.write(json.dumps(c, ensure_ascii=True) + "\n")
print(len(cases), "cases written to", os.path.normpath(out))
