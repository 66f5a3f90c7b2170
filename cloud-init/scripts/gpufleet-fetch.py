"""gpufleet-fetch: puts one model on the host's model cache, run by gpufleet-download in a throw-away container.

  python3 gpufleet-fetch.py snapshot <repo>            a Hugging Face snapshot into the cache layout under $HF_HOME,
                                                       with the huggingface_hub of the engine image it runs in
  python3 gpufleet-fetch.py gguf <repo> <file> <dir>   one GGUF file into <dir>, with Python's standard library only

Nothing is installed at boot: the snapshot uses the library the engine itself loads its weights with, the GGUF file a
plain HTTPS download (resumed from <file>.part). The token, $HF_TOKEN or else the file $HF_TOKEN_PATH names (the
Docker target's 0400 secret file; huggingface_hub reads the same two), authenticates to the Hub only; it is never sent
on to the storage host a download is redirected to, and never printed.
"""

import os
import sys
import urllib.parse
import urllib.request

# huggingface_hub's own variable for the Hub's address (a mirror, or a test's local server).
HUB = os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")


def snapshot(repo: str) -> None:
    from huggingface_hub import snapshot_download

    snapshot_download(repo, ignore_patterns=["original/*"])


def hub_token() -> str:
    """$HF_TOKEN, else the content of the file $HF_TOKEN_PATH names (huggingface_hub's order), else ""."""
    token = os.environ.get("HF_TOKEN", "").strip()
    path = os.environ.get("HF_TOKEN_PATH", "")
    if not token and path and os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            token = f.read().strip()
    return token


def gguf(repo: str, name: str, directory: str) -> None:
    dest = os.path.join(directory, name)
    part = dest + ".part"
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    url = "%s/%s/resolve/main/%s" % (HUB, repo, urllib.parse.quote(name))
    request = urllib.request.Request(url, headers={"User-Agent": "gpufleet-fetch"})
    token = hub_token()
    if token:
        request.add_unredirected_header("Authorization", "Bearer " + token)
    have = os.path.getsize(part) if os.path.exists(part) else 0
    if have:
        request.add_header("Range", "bytes=%d-" % have)
    timeout = float(os.environ.get("HF_HUB_DOWNLOAD_TIMEOUT", "60"))
    with urllib.request.urlopen(request, timeout=timeout) as response:
        resumed = have > 0 and response.status == 206
        with open(part, "ab" if resumed else "wb") as out:
            while True:
                chunk = response.read(1 << 20)
                if not chunk:
                    break
                out.write(chunk)
    os.replace(part, dest)


def main(argv: list) -> int:
    if len(argv) == 2 and argv[0] == "snapshot":
        snapshot(argv[1])
    elif len(argv) == 4 and argv[0] == "gguf":
        gguf(argv[1], argv[2], argv[3])
    else:
        print("usage: gpufleet-fetch.py snapshot <repo> | gguf <repo> <file> <dir>", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
