"""`vjhost footage generate --provider openai` against a local server speaking OpenAI's video endpoints.

The official SDK, the polling, the download, the resume and the ingest are real; only the
server is local (127.0.0.1): it renders each job as a small mp4 with PyAV.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import threading
import time
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

pytest.importorskip("openai")

KEY = "sk-test-local"
LIB = """schema_version = 1
persona = "demo"
[safety]
suffix = "No text, logos or people."
[defaults]
seconds = 4
size = "1280x720"
[[prompts]]
id = "red-01"
scene = "red"
text = "A flat red field pulsing slowly."
[[prompts]]
id = "blue-01"
scene = "blue"
text = "A flat blue field drifting."
[[prompts]]
id = "blue-02"
scene = "blue"
text = "Blue discs on a pale ground."
seconds = 8
"""
COLOURS = {"red": (220, 30, 30), "blue": (30, 60, 220), "pale": (240, 240, 230)}


def make_mp4(rgb: tuple[int, int, int], frames: int = 8, size: tuple[int, int] = (64, 36)) -> bytes:
    import av

    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as c:
        s = c.add_stream("libx264", rate=8)
        s.width, s.height, s.pix_fmt = size[0], size[1], "yuv420p"
        for i in range(frames):
            img = np.empty((size[1], size[0], 3), np.uint8)
            img[:] = rgb
            img[: size[1] // 2, : (i + 1) * size[0] // frames] = 255  # something moves
            for pkt in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(pkt)
        for pkt in s.encode():
            c.mux(pkt)
    return buf.getvalue()


class FakeSora:
    """Jobs in memory: each poll advances a job (queued -> in_progress -> completed) unless ``hold``."""

    def __init__(self) -> None:
        self.jobs: dict[str, dict] = {}
        self.creates = self.downloads = self.polls = self.requests = 0
        self.hold = False
        self.lock = threading.Lock()

    def create(self, fields: dict[str, str]) -> dict:
        with self.lock:
            self.creates += 1
            vid = f"video_{len(self.jobs) + 1:04d}"
            text = fields["prompt"]
            colour = next((c for w, c in COLOURS.items() if w in text.lower()), (128, 128, 128))
            self.jobs[vid] = {"id": vid, "object": "video", "created_at": int(time.time()), "completed_at": None,
                              "error": None, "expires_at": None, "model": fields.get("model", "sora-2"),
                              "progress": 0, "prompt": text, "remixed_from_video_id": None,
                              "seconds": fields.get("seconds", "4"), "size": fields.get("size", "720x1280"),
                              "status": "queued", "_mp4": make_mp4(colour)}
            return self.public(vid)

    def poll(self, vid: str) -> dict:
        with self.lock:
            self.polls += 1
            j = self.jobs[vid]
            if not self.hold:
                if j["status"] == "queued":
                    j.update(status="in_progress", progress=50)
                elif j["status"] == "in_progress":
                    j.update(status="completed", progress=100, completed_at=int(time.time()))
            return self.public(vid)

    def public(self, vid: str) -> dict:
        return {k: v for k, v in self.jobs[vid].items() if not k.startswith("_")}


def serve(sora: FakeSora):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a):  # quiet
            pass

        def reply(self, code: int, body: bytes, ctype: str = "application/json") -> None:
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def json(self, code: int, obj) -> None:
            self.reply(code, json.dumps(obj).encode())

        def authorised(self) -> bool:
            sora.requests += 1
            if self.headers.get("Authorization") != f"Bearer {KEY}":
                self.json(401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error",
                                          "code": "invalid_api_key", "param": None}})
                return False
            return True

        def do_POST(self):
            if not self.authorised():
                return
            if self.path != "/v1/videos":
                return self.json(404, {"error": {"message": "no route", "code": "not_found"}})
            body = self.rfile.read(int(self.headers["Content-Length"]))
            msg = BytesParser(policy=HTTP).parsebytes(
                f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode() + body)
            fields = {part.get_param("name", header="content-disposition"): part.get_content()
                      for part in msg.iter_parts()}
            if "forbidden" in fields.get("prompt", ""):
                return self.json(400, {"error": {"message": "Your request was rejected by the safety system.",
                                                 "type": "invalid_request_error", "code": "moderation_blocked"}})
            self.json(200, sora.create(fields))

        def do_GET(self):
            if not self.authorised():
                return
            if self.path.startswith("/v1/videos?") or self.path == "/v1/videos":
                data = [sora.public(v) for v in sora.jobs]
                return self.json(200, {"object": "list", "data": data, "has_more": False,
                                       "first_id": data[0]["id"] if data else None,
                                       "last_id": data[-1]["id"] if data else None})
            m = re.fullmatch(r"/v1/videos/(video_\d+)(/content)?(\?.*)?", self.path)
            if not m or m.group(1) not in sora.jobs:
                return self.json(404, {"error": {"message": "Video not found", "code": "not_found"}})
            if m.group(2):
                if sora.jobs[m.group(1)]["status"] != "completed":
                    return self.json(409, {"error": {"message": "not ready", "code": "video_not_ready"}})
                sora.downloads += 1
                return self.reply(200, sora.jobs[m.group(1)]["_mp4"], "video/mp4")
            self.json(200, sora.poll(m.group(1)))

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


@pytest.fixture
def sora(monkeypatch, tmp_path):
    s = FakeSora()
    httpd = serve(s)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{httpd.server_address[1]}/v1")
    monkeypatch.setenv("VJHOST_DATA", str(tmp_path / "data"))  # the ingest's frame cache
    yield s
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def pack_dir(tmp_path):
    d = tmp_path / "demo"
    d.mkdir()
    (d / "prompts.toml").write_text(LIB)
    return d


def run(*argv: str) -> int:
    from vjhost.cli import main

    return main(["footage", "generate", "--provider", "openai", "--poll", "0.01", *argv])


def test_generates_downloads_records_and_ingests(sora, pack_dir, capsys):
    assert run("--pack", str(pack_dir)) == 0
    out = capsys.readouterr().out
    foot = pack_dir / "footage"
    manifest = json.loads((foot / "manifest.json").read_text())
    clips = {c["id"]: c for c in manifest["clips"]}
    assert set(clips) == {"red-01", "blue-01", "blue-02"} and sora.creates == 3
    for c in clips.values():
        f = foot / c["file"]
        assert f.is_file() and c["bytes"] == f.stat().st_size
        assert hashlib.sha256(f.read_bytes()).hexdigest() == c["sha256"]
        assert c["status"] == "downloaded" and c["job_id"].startswith("video_") and c["model"] == "sora-2"
        assert c["prompt"].endswith("No text, logos or people.")  # the library's safety suffix is sent
    assert clips["blue-02"]["seconds"] == 8 and clips["red-01"]["size"] == "1280x720"
    sent = {j["prompt"]: j for j in sora.jobs.values()}
    assert sent[clips["blue-02"]["prompt"]]["seconds"] == "8" and sent[clips["red-01"]["prompt"]]["size"] == "1280x720"
    assert clips["blue-02"]["file"] == "blue/blue-02.mp4"
    assert re.search(r"footage \[#+\] 3/3 clips", out)  # the progress bar
    # the ingest: one motif per scene, frames decoded by PyAV
    assert "ingest: " in out and "2 motif(s) (blue, red)" in out
    from vjhost.train.footage import FootageDataset

    ds = FootageDataset(foot, size=32, channels=3, quiet=True)
    assert ds.motifs == ("blue", "red") and len(ds) >= 3
    imgs, labels = ds.generate(8, 32, seed=0)
    red = imgs[labels == 1].astype(int)
    assert (red[:, 0] - red[:, 2]).mean() > 60  # the red scene's clip is red
    assert f"vjhost train {pack_dir} --footage {foot}" in out


def test_an_interrupted_run_resumes_without_sending_anything_twice(sora, pack_dir, capsys):
    from vjhost.train.prompts import load_prompts
    from vjhost.train.videogen import generate_footage

    lib = load_prompts(pack_dir / "prompts.toml")
    foot = pack_dir / "footage"
    sora.hold = True
    calls = []

    def interrupt(s):
        calls.append(s)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        generate_footage(lib, foot, concurrency=2, poll=0.01, sleep=interrupt)
    assert "interrupted; 2 job(s) are still rendering" in capsys.readouterr().out
    manifest = json.loads((foot / "manifest.json").read_text())
    assert sora.creates == 2 and sorted(c["job_id"] for c in manifest["clips"]) == ["video_0001", "video_0002"]
    assert all(c["status"] == "queued" for c in manifest["clips"])  # job ids persisted before any clip is done

    sora.hold = False
    assert run("--pack", str(pack_dir), "--concurrency", "2") == 0
    assert sora.creates == 3  # the two pending jobs were polled, only the third prompt was sent
    assert sora.downloads == 3
    # a third run: nothing sent, nothing downloaded
    assert run("--pack", str(pack_dir), "--no-ingest") == 0
    assert (sora.creates, sora.downloads) == (3, 3)
    assert "0 clip(s) sent, 0 found, 0 downloaded, 3 already here" in capsys.readouterr().out
    # a clip lost here is downloaded again from its job, not generated again
    (foot / "red" / "red-01.mp4").unlink()
    assert run("--pack", str(pack_dir), "--no-ingest") == 0
    assert (sora.creates, sora.downloads) == (3, 4)
    assert "downloading it again from job video_0001 (not re-generated)" in capsys.readouterr().out


def test_a_job_created_just_before_a_crash_is_adopted_not_sent_again(sora, pack_dir, capsys):
    import openai

    # the create went through, but the run died before it wrote the job id down
    client = openai.OpenAI()
    with pytest.warns(DeprecationWarning):
        client.videos.create(prompt="A flat red field pulsing slowly. No text, logos or people.", model="sora-2",
                             seconds="4", size="1280x720")
    assert sora.creates == 1
    assert run("--pack", str(pack_dir), "--no-ingest") == 0
    assert sora.creates == 3  # red-01 adopted, the two blue prompts sent
    assert "red-01: found its job video_0001 at the provider" in capsys.readouterr().out
    clips = {c["id"]: c for c in json.loads((pack_dir / "footage" / "manifest.json").read_text())["clips"]}
    assert clips["red-01"]["job_id"] == "video_0001" and clips["red-01"]["status"] == "downloaded"


def test_without_a_key_it_says_so_and_sends_nothing(sora, pack_dir, monkeypatch, capsys):
    monkeypatch.delenv("OPENAI_API_KEY")
    assert run("--pack", str(pack_dir)) == 2
    err = capsys.readouterr().err
    assert "OPENAI_API_KEY is not set" in err and "nothing was sent" in err
    assert sora.requests == 0 and not (pack_dir / "footage").exists()
    # a wrong key: refused by the server, named, nothing created
    monkeypatch.setenv("OPENAI_API_KEY", "sk-wrong")
    assert run("--pack", str(pack_dir)) == 2
    assert "the API key was refused" in capsys.readouterr().err and sora.creates == 0


def test_dry_run_and_bad_input(sora, pack_dir, capsys):
    assert run("--pack", str(pack_dir), "--dry-run") == 0
    out = capsys.readouterr().out
    assert "dry run: 3 new clip(s), 16 s of video, 0 already made; nothing was sent" in out
    assert sora.requests == 0
    assert run("--pack", str(pack_dir), "--only", "nope") == 1
    assert "no prompt with id nope" in capsys.readouterr().err
    (pack_dir / "prompts.toml").write_text(LIB.replace('seconds = 8', 'seconds = 7'))
    assert run("--pack", str(pack_dir)) == 2
    assert re.search(r"prompts.toml:\d+: prompts.2.seconds: 7 seconds: the video API makes clips of 4, 8, 12",
                     capsys.readouterr().err)
    (pack_dir / "prompts.toml").write_text(LIB)
    (pack_dir / "footage").mkdir()
    (pack_dir / "footage" / "manifest.json").write_text("{ not json")
    assert run("--pack", str(pack_dir)) == 1
    assert "cannot read the footage manifest" in capsys.readouterr().err and sora.requests == 0
    assert (pack_dir / "footage" / "manifest.json").read_text() == "{ not json"  # never overwritten


def test_a_prompt_the_provider_refuses_is_recorded_and_the_rest_go_on(sora, pack_dir, capsys):
    (pack_dir / "prompts.toml").write_text(LIB.replace("A flat blue field drifting.", "A forbidden thing."))
    assert run("--pack", str(pack_dir), "--no-ingest") == 1
    assert "blue-01: rejected: moderation_blocked: Your request was rejected" in capsys.readouterr().err
    clips = {c["id"]: c for c in json.loads((pack_dir / "footage" / "manifest.json").read_text())["clips"]}
    assert clips["blue-01"]["status"] == "rejected" and clips["red-01"]["status"] == "downloaded"
