"""``vjhost footage generate --pack NAME --provider openai``: text-to-video training footage for a pack.

Sends the pack's prompt library (``persona_packs/NAME/prompts.toml``,
:mod:`vjhost.train.prompts`) to OpenAI's video generation API (Sora) through the
official ``openai`` SDK (``pip install -e .[videogen]``), polls the jobs with a
progress bar, downloads each finished clip into the pack's footage folder and
then runs the clips through the footage ingest (:mod:`vjhost.train.footage`),
so ``vjhost train persona_packs/NAME --footage persona_packs/NAME/footage``
trains on them::

    persona_packs/NAME/footage/
      manifest.json          # one entry per prompt id: prompt, model, seconds, size, job id, status, file, sha256
      <scene>/<id>.mp4       # one subfolder per scene: one motif (scene anchor) each for the ingest

**Billing.** A job is created at most once per prompt id.  Its id is written to
``manifest.json`` (atomically) right after the create call returns and before any
polling, so an interrupted run (Ctrl-C, a crash, a lost network) resumes by
polling the jobs it already has; a finished clip is never requested again (a
missing or damaged file is downloaded again from its job, not re-generated).
The create request is sent once, never retried by the SDK (a retry after a lost
response could bill twice); before creating, the provider's job list is read and
a job for the same prompt, model, length and size that the manifest does not know
yet (created just before a crash) is adopted instead.  ``--dry-run`` sends nothing.

The key comes from ``OPENAI_API_KEY``; without it the command says so and exits
with status 2 before anything is sent.  ``OPENAI_BASE_URL`` / ``--base-url`` point
the SDK at another server speaking the same endpoints (the tests use a local one).
Training side only: the live show never imports this module.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .prompts import Prompt, PromptLibrary, PromptsError, find_prompts, load_prompts

__all__ = ["PROVIDERS", "VideoGenError", "FootageJobs", "generate_footage", "add_parser", "cmd_generate"]

PROVIDERS = ("openai",)
MANIFEST = "manifest.json"
MANIFEST_FORMAT = "vjhost-videogen/1"
#: statuses a job can have in the manifest: the provider's, plus ours after the download
PENDING = ("queued", "in_progress")
DONE = "downloaded"


class VideoGenError(RuntimeError):
    """Something that stops the run (no key, no SDK, a refused key, an unreadable manifest); the message says what."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


# ----------------------------------------------------------------------------- the manifest


@dataclass
class FootageJobs:
    """``manifest.json`` of a footage folder: one entry per prompt id, written atomically on every change."""

    folder: Path
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    persona: str = ""

    @property
    def path(self) -> Path:
        return self.folder / MANIFEST

    @classmethod
    def load(cls, folder: Path, persona: str) -> "FootageJobs":
        path = folder / MANIFEST
        if not path.exists():
            return cls(folder, {}, persona)
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise VideoGenError(f"{path}: cannot read the footage manifest ({exc}); it records which clips are "
                                "paid for -- fix or move it, nothing was sent") from None
        if (not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT
                or not isinstance(data.get("clips"), list)):
            raise VideoGenError(f"{path}: not a vjhost footage manifest (format {MANIFEST_FORMAT!r}); nothing was sent")
        entries = {c["id"]: c for c in data["clips"] if isinstance(c, dict) and isinstance(c.get("id"), str)}
        return cls(folder, entries, data.get("persona", persona))

    def save(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        data = {"format": MANIFEST_FORMAT, "persona": self.persona,
                "note": "written by `vjhost footage generate`: the job id of every clip paid for; "
                        "keep it with the clips",
                "clips": list(self.entries.values())}
        tmp = self.path.with_name(f".{MANIFEST}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, indent=2) + "\n")
        os.replace(tmp, self.path)

    def clip_path(self, entry: dict[str, Any]) -> Path:
        return self.folder / entry["file"]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _intact(jobs: FootageJobs, entry: dict[str, Any]) -> bool:
    f = jobs.clip_path(entry)
    return f.is_file() and f.stat().st_size == entry.get("bytes") and _sha256(f) == entry.get("sha256")


# ----------------------------------------------------------------------------- the provider


def _client(base_url: str | None, timeout: float):
    try:
        import openai
    except ImportError:
        raise VideoGenError("the openai SDK is not installed: `pip install -e .[videogen]` (or `pip install openai`); "
                            "nothing was sent", 2) from None
    key = os.environ.get("OPENAI_API_KEY", "").strip()
    if not key:
        raise VideoGenError("OPENAI_API_KEY is not set: export your OpenAI API key to generate footage "
                            "(each clip is billed to that account); nothing was sent", 2)
    if not hasattr(openai.OpenAI, "videos"):
        raise VideoGenError(f"the installed openai SDK ({openai.__version__}) has no video API: "
                            "`pip install -U 'openai>=2.3'`", 2)
    return openai.OpenAI(api_key=key, base_url=base_url or None, timeout=timeout)


class _Quiet:
    """Calls into the SDK's video API with its deprecation warnings collected (reported once, not per call)."""

    def __init__(self, out) -> None:
        self.out = out
        self.seen: set[str] = set()

    def __call__(self, fn: Callable, *a, **kw):
        with self.quiet():
            return fn(*a, **kw)

    @contextlib.contextmanager
    def quiet(self):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DeprecationWarning)
            try:
                yield
            finally:
                for w in caught:
                    msg = str(w.message)
                    if msg not in self.seen:
                        self.seen.add(msg)
                        print(f"vjhost footage: note from the openai SDK: {msg}", file=self.out)


def _api_error(exc: Exception) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict) and err.get("message"):
            return f"{err.get('code') or type(exc).__name__}: {err['message']}"
    return f"{type(exc).__name__}: {exc}"


# ----------------------------------------------------------------------------- the run


def _bar(done: int, total: int, rendering: list[tuple[str, int]], todo: int, elapsed: float, out, tty: bool) -> None:
    width = 24
    filled = int(width * done / max(total, 1))
    parts = ", ".join(f"{pid} {pct}%" for pid, pct in rendering[:4]) + (" ..." if len(rendering) > 4 else "")
    line = (f"footage [{'#' * filled}{'.' * (width - filled)}] {done}/{total} clips"
            + (f", rendering {parts}" if rendering else "") + (f", {todo} to send" if todo else "")
            + f"  {elapsed:4.0f}s")
    print(("\r" + line + "\x1b[K") if tty else line, end="" if tty else "\n", file=out, flush=True)


def generate_footage(lib: PromptLibrary, folder: Path, *, client=None, base_url: str | None = None,
                     only: list[str] | None = None, limit: int | None = None, model: str | None = None,
                     concurrency: int = 4, poll: float = 5.0, timeout: float = 3600.0, dry_run: bool = False,
                     retry_failed: bool = False, sleep: Callable[[float], None] = time.sleep,
                     out=None) -> dict[str, Any]:
    """Generate the clips of ``lib`` into ``folder`` (see the module doc); returns a summary.

    ``client`` (an ``openai.OpenAI``) is made from the environment when not given.  Raises
    :class:`VideoGenError` for what stops the run; ``KeyboardInterrupt`` leaves the manifest
    saved (every job id in it) for the next run to resume.
    """
    out = out or sys.stdout
    prompts = list(lib.prompts)
    if only:
        unknown = sorted(set(only) - {p.id for p in prompts})
        if unknown:
            raise VideoGenError(f"{lib.path}: no prompt with id {', '.join(unknown)} "
                                f"(have: {', '.join(p.id for p in prompts)})")
        prompts = [p for p in prompts if p.id in only]
    if limit is not None:
        prompts = prompts[:limit]
    if model:
        prompts = [Prompt(p.id, p.scene, p.text, model, p.seconds, p.size, p.suffix, p.line) for p in prompts]
    jobs = FootageJobs.load(folder, lib.persona)
    summary: dict[str, Any] = {"folder": str(folder), "prompts": len(prompts), "created": 0, "adopted": 0,
                               "downloaded": 0, "already": 0, "failed": [], "pending": []}

    # what each prompt needs: nothing (an intact clip), a download, a poll, or a new job
    todo: list[Prompt] = []
    for p in prompts:
        e = jobs.entries.get(p.id)
        if e is None or not e.get("job_id"):
            todo.append(p)
            continue
        made = (e.get("prompt"), e.get("model"), e.get("seconds"), e.get("size"))
        if made != (p.full_text, p.model, p.seconds, p.size):
            print(f"vjhost footage: {p.id}: the prompt changed since its clip was made (job {e['job_id']}); "
                  f"keeping that clip -- give the new prompt a new id to make another", file=out)
        if e.get("status") == DONE and _intact(jobs, e):
            summary["already"] += 1
        elif e.get("status") == "failed" and retry_failed:
            todo.append(p)
    seconds = sum(p.seconds for p in todo)
    if dry_run:
        for p in todo:
            print(f"would send {p.id} ({p.scene}, {p.model}, {p.seconds} s, {p.size}): {p.full_text}", file=out)
        print(f"dry run: {len(todo)} new clip(s), {seconds} s of video, {summary['already']} already made; "
              "nothing was sent", file=out)
        summary["would_create"] = [p.id for p in todo]
        return summary
    call = _Quiet(out)
    if client is None:
        client = _client(base_url, timeout=min(timeout, 600.0))
    import openai

    def record(p: Prompt, video) -> dict[str, Any]:
        e = {"id": p.id, "scene": p.scene, "prompt": p.full_text, "model": p.model, "seconds": p.seconds,
             "size": p.size, "job_id": video.id, "status": video.status, "progress": int(video.progress or 0),
             "created_at": video.created_at, "file": f"{p.scene}/{p.id}.mp4"}
        jobs.entries[p.id] = e
        jobs.save()
        return e

    # adopt jobs the provider has for these prompts that the manifest lost (created just before a crash)
    if todo:
        try:
            listed = call(client.videos.list, limit=100)
            known = {e.get("job_id") for e in jobs.entries.values()}
            by_prompt = {}
            for v in getattr(listed, "data", []) or []:
                if v.id not in known and v.status != "failed" and v.prompt:
                    by_prompt.setdefault((v.prompt, str(v.model), str(v.seconds), str(v.size)), v)
            still = []
            for p in todo:
                v = by_prompt.pop((p.full_text, p.model, str(p.seconds), p.size), None)
                if v is None:
                    still.append(p)
                else:
                    record(p, v)
                    summary["adopted"] += 1
                    print(f"vjhost footage: {p.id}: found its job {v.id} at the provider (made before an "
                          "interruption): polling it, not sending it again", file=out)
            todo = still
        except openai.AuthenticationError as exc:
            raise VideoGenError(f"the API key was refused ({_api_error(exc)}); nothing was sent", 2) from None
        except openai.APIConnectionError as exc:
            raise VideoGenError(f"cannot reach the video API at {client.base_url} ({exc}); nothing was sent") from None
        except openai.APIError:
            pass  # listing is a safety net; a server without it still works

    creator = client.with_options(max_retries=0)  # a create is sent once: a retry could bill twice
    tty = hasattr(out, "isatty") and out.isatty()
    t0 = time.monotonic()
    total = len(prompts)
    queue = list(todo)

    def pending() -> list[dict[str, Any]]:
        return [jobs.entries[p.id] for p in prompts
                if p.id in jobs.entries and jobs.entries[p.id].get("status") in (*PENDING, "completed")]

    def download(e: dict[str, Any]) -> None:
        dest = jobs.clip_path(e)
        dest.parent.mkdir(parents=True, exist_ok=True)
        part = dest.with_name(f".{dest.name}.part")
        h = hashlib.sha256()
        n = 0
        with call.quiet(), client.videos.with_streaming_response.download_content(e["job_id"], variant="video") as resp:
            with open(part, "wb") as f:
                for chunk in resp.iter_bytes():
                    f.write(chunk)
                    h.update(chunk)
                    n += len(chunk)
        if n == 0:
            part.unlink(missing_ok=True)
            raise VideoGenError(f"{e['id']}: job {e['job_id']} returned an empty file")
        os.replace(part, dest)
        e.update(status=DONE, sha256=h.hexdigest(), bytes=n, downloaded_at=int(time.time()))
        jobs.save()
        summary["downloaded"] += 1

    # re-download what is paid for but missing or damaged here
    for p in prompts:
        e = jobs.entries.get(p.id)
        if e and e.get("status") == DONE and not _intact(jobs, e):
            print(f"vjhost footage: {p.id}: {jobs.clip_path(e)} is missing or changed: downloading it again "
                  f"from job {e['job_id']} (not re-generated)", file=out)
            e["status"] = "completed"

    try:
        while True:
            # keep up to `concurrency` jobs rendering
            while queue and len([e for e in pending() if e["status"] in PENDING]) < concurrency:
                p = queue.pop(0)
                try:
                    v = call(creator.videos.create, prompt=p.full_text, model=p.model,
                             seconds=str(p.seconds), size=p.size)
                except openai.AuthenticationError as exc:
                    raise VideoGenError(f"the API key was refused ({_api_error(exc)})", 2) from None
                except openai.RateLimitError as exc:
                    queue.insert(0, p)
                    print(f"\nvjhost footage: rate limited ({_api_error(exc)}): waiting for running jobs", file=out)
                    break
                except openai.BadRequestError as exc:  # e.g. refused by the provider's content policy
                    jobs.entries[p.id] = {"id": p.id, "scene": p.scene, "prompt": p.full_text, "model": p.model,
                                          "seconds": p.seconds, "size": p.size, "job_id": None, "status": "rejected",
                                          "error": _api_error(exc), "file": f"{p.scene}/{p.id}.mp4"}
                    jobs.save()
                    summary["failed"].append(f"{p.id}: rejected: {_api_error(exc)}")
                    continue
                record(p, v)
                summary["created"] += 1
            active = pending()
            if not active and not queue:
                break
            if time.monotonic() - t0 > timeout:
                summary["pending"] = [e["id"] for e in active] + [p.id for p in queue]
                print(f"\nvjhost footage: stopped waiting after {timeout:g} s; "
                      f"{len(summary['pending'])} clip(s) pending: "
                      "run the same command again to resume (nothing is sent twice)", file=out)
                break
            rendering = []
            for e in active:
                if e["status"] in PENDING:
                    v = call(client.videos.retrieve, e["job_id"])
                    e.update(status=v.status, progress=int(v.progress or 0))
                    if v.status == "failed":
                        err = v.error.message if v.error else "no reason given"
                        e["error"] = err
                        summary["failed"].append(f"{e['id']}: job {e['job_id']} failed: {err}")
                    jobs.save()
                if e["status"] == "completed":
                    download(e)
                elif e["status"] in PENDING:
                    rendering.append((e["id"], e["progress"]))
            done = sum(1 for p in prompts if jobs.entries.get(p.id, {}).get("status") == DONE)
            _bar(done, total, rendering, len(queue), time.monotonic() - t0, out, tty)
            if rendering or queue:
                sleep(poll)
    except KeyboardInterrupt:
        jobs.save()
        left = [e["id"] for e in pending()]
        print(f"\nvjhost footage: interrupted; {len(left)} job(s) are still rendering at the provider and are "
              f"recorded in {jobs.path}: run the same command again to collect them (nothing is sent twice)", file=out)
        raise
    except openai.APIConnectionError as exc:
        jobs.save()
        raise VideoGenError(f"lost the video API at {client.base_url} ({exc}); every job is recorded in {jobs.path}: "
                            "run the same command again to resume") from None
    if tty:
        print(file=out)
    summary["failed"] += [f"{e['id']}: job {e['job_id']} failed earlier: {e.get('error', '')} "
                          "(--retry-failed sends it again)"
                          for p in prompts if (e := jobs.entries.get(p.id)) and e.get("status") == "failed"
                          and not any(s.startswith(e["id"] + ":") for s in summary["failed"])]
    return summary


# ----------------------------------------------------------------------------- the command


def _pack_decoder(name: str) -> tuple[int, int]:
    """The installed pack's decoder (size, channels), or the flagship default (128, 3)."""
    try:
        from ..packs import load_manifest
        from ..plugins import load_host

        m = load_manifest(load_host().pack(name), training=True)
        return m.size, m.channels
    except Exception:  # noqa: BLE001 - not installed yet (a new persona): the flagship default
        return 128, 3


def cmd_generate(args) -> int:
    out = sys.stdout
    try:
        if args.provider not in PROVIDERS:
            raise VideoGenError(f"--provider: unknown provider {args.provider!r} (have: {', '.join(PROVIDERS)})", 2)
        try:
            path = find_prompts(args.pack)
            lib = load_prompts(path)
        except (FileNotFoundError, PromptsError) as exc:
            raise VideoGenError(str(exc), 2) from None
        folder = Path(args.out).expanduser() if args.out else path.parent / "footage"
        only = [s for s in (args.only or "").split(",") if s] or None
        print(f"{lib.path}: {len(lib.prompts)} prompt(s) over {len(lib.scenes())} scene(s) -> {folder}", file=out)
        summary = generate_footage(lib, folder, base_url=args.base_url, only=only, limit=args.limit, model=args.model,
                                   concurrency=args.concurrency, poll=args.poll, timeout=args.timeout,
                                   dry_run=args.dry_run, retry_failed=args.retry_failed, out=out)
    except VideoGenError as exc:
        print(f"vjhost footage: error: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130
    if args.dry_run:
        return 0
    print(f"footage: {summary['created']} clip(s) sent, {summary['adopted']} found, "
          f"{summary['downloaded']} downloaded, "
          f"{summary['already']} already here; manifest {folder / MANIFEST}", file=out)
    for f in summary["failed"]:
        print(f"vjhost footage: {f}", file=sys.stderr)
    if summary["pending"]:
        return 3
    if not args.no_ingest:
        from .footage import FootageDataset, FootageError

        size, channels = _pack_decoder(lib.persona)
        try:
            ds = FootageDataset(folder, size=size, channels=channels, quiet=True)
        except FootageError as exc:
            print(f"vjhost footage: error: ingest: {exc}", file=sys.stderr)
            return 1
        print(f"ingest: {len(ds)} frames from {len(ds.index['files'])} clip(s), {len(ds.motifs)} motif(s) "
              f"({', '.join(ds.motifs)}), cached in {ds.cache_path}", file=out)
        print(f"next: vjhost train {path.parent} --footage {folder}", file=out)
    return 1 if summary["failed"] else 0


def _positive(kind):
    def parse(text: str):
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not v > 0 or v != v or v == float("inf"):
            raise argparse.ArgumentTypeError(f"must be > 0, got {text!r}")
        return v

    return parse


def add_parser(subparsers) -> argparse.ArgumentParser:
    """``vjhost footage generate``: wired in :mod:`vjhost.cli` (importing this module imports no SDK)."""
    p = subparsers.add_parser("footage", help="training footage tools: generate clips from a pack's prompts")
    fsub = p.add_subparsers(dest="footage_cmd", required=True)
    g = fsub.add_parser(
        "generate", help="send a pack's prompts.toml to a text-to-video API and download the clips",
        description="Send the pack's prompts (persona_packs/NAME/prompts.toml) to a text-to-video API, poll the jobs, "
                    "download the clips into the pack's footage folder with a manifest, and ingest them for "
                    "`vjhost train --footage`. Resumable: jobs already created are polled, never sent again.")
    g.add_argument("--pack", required=True, metavar="NAME", help="the pack (its name, or its folder / prompts.toml)")
    g.add_argument("--provider", default="openai", help="the video API (openai: Sora, key from OPENAI_API_KEY)")
    g.add_argument("--out", metavar="DIR", help="the footage folder (default: next to prompts.toml, footage/)")
    g.add_argument("--only", metavar="ID,...", help="only these prompt ids")
    g.add_argument("--limit", type=_positive(int), metavar="N", help="at most the first N prompts")
    g.add_argument("--model", help="override every prompt's model (e.g. sora-2-pro)")
    g.add_argument("--base-url", help="another server speaking the same API (default: OPENAI_BASE_URL or OpenAI's)")
    g.add_argument("--concurrency", type=_positive(int), default=4, metavar="N",
                   help="jobs rendering at once (default 4)")
    g.add_argument("--poll", type=_positive(float), default=5.0, metavar="S", help="seconds between polls (default 5)")
    g.add_argument("--timeout", type=_positive(float), default=3600.0, metavar="S",
                   help="stop waiting after S seconds (pending jobs are kept for the next run; default 3600)")
    g.add_argument("--retry-failed", action="store_true", help="send prompts whose job failed again (billed again)")
    g.add_argument("--dry-run", action="store_true", help="check the prompts and show what would be sent; send nothing")
    g.add_argument("--no-ingest", action="store_true", help="skip decoding the clips for training")
    g.set_defaults(func=cmd_generate)
    return p
