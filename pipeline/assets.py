"""`corpusforge assets`: fetch the third-party lists the safety stage can use into a local cache, checked.

The lists cannot ship with corpusforge (their licenses are their own), so the run config points at them.
This command downloads each file (or copies it from a local mirror, `--from DIR`), verifies its SHA-256
against the value pinned here, and moves it into place only if it matches; a file already cached with the
right checksum is left alone. It prints the config lines that use the cache.

    corpusforge assets [ut1] [ldnoobw] [--cache DIR] [--from DIR]

- `ut1`: the UT1 adult-domain blocklist (Université Toulouse Capitole, CC BY-SA 4.0) as datatrove 0.10.1
  packages it for FineWeb's URL filter (4,558,939 domains, 19,586 URLs), with datatrove's banned and
  soft-banned URL words (Apache-2.0).
- `ldnoobw`: "List of Dirty, Naughty, Obscene, and Otherwise Bad Words" (CC BY 4.0), the lists C4 used,
  one file per language.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.request
from pathlib import Path

from corpusforge.pipeline.config import ConfigError

DEFAULT_CACHE = Path(os.environ.get("CORPUSFORGE_CACHE", Path.home() / ".cache" / "corpusforge")) / "assets"
_DATATROVE = "https://raw.githubusercontent.com/huggingface/datatrove/v0.10.1/src/datatrove/assets"
_LDNOOBW = "https://raw.githubusercontent.com/LDNOOBW/List-of-Dirty-Naughty-Obscene-and-Otherwise-Bad-Words/master"

# name → (mirror folder, {file: (url, sha256)}); the checksums are those of the reviewed copies in
# ../shared/data/blocklists (datatrove 0.10.1's wheel; LDNOOBW at commit 5faf2ba).
ASSETS: dict[str, tuple[str, dict[str, tuple[str, str]]]] = {
    "ut1": (
        "datatrove-ut1",
        {
            name: (f"{_DATATROVE}/{name}", sha256)
            for name, sha256 in {
                "url_filterblacklistsv0_3_0.tar.gz": "b37eefe1f3103dfa46b21b3f407b8b23cec2958ea22028700e6cc44d80f55e9e",
                "banned_words.txt": "7aae5109ccc4d8357167168fa3a91331fa2fafd8eb8cc9c38cc9147c2610fab0",
                "soft_banned_words.txt": "e5043030accca33b0e368a693997576beea4c58279da641bff40b4e02281b063",
            }.items()
        },
    ),
    "ldnoobw": (
        "ldnoobw",
        {
            lang: (f"{_LDNOOBW}/{lang}", sha256)
            for lang, sha256 in {
                "ar": "23dbd9c55257bf2a4965f46664dc7eac04b61ff4eb3571e41f7e964c7c3ed96b",
                "cs": "90706df86709bade1ca39cf9f9d9836409c674fc3bffcb7525bdd20e59b596bc",
                "da": "ddb46ab67e955d1a5f49c89c18497d23c3d8d6d2522f3740a5d7583f90e434c6",
                "de": "ebe44d7772897390e27f7bec412fdcdf0efc294e4db157f8487c4cd8d4fabd55",
                "en": "af851ecef1d5f212caba17339b12ac39cc2fef7d78c74876f67237644fcee8bd",
                "eo": "0374d76be1dbc77c61362d6e51305e1e4c546b7f734eb96e0bdbad7fd2a6ace1",
                "es": "073334261cc2e7c08339faefd2f19f9623e8240a0ac18fe2a26c368b897496ce",
                "fa": "85828629b90fd18a3f6f6efb1934c1294103c33d1c28c0653970adfa179169e9",
                "fi": "3e0b35b2533ba22fb526d882bea250ddfad907ee7548aacbe15db17e21034c62",
                "fil": "fb4b43691b1249fee2eca1e66795daedda8e7366d42abcde6553dce611d23d99",
                "fr": "79763a705e08256b393952852bb63aa903f4485e0ef02f70735f5e50efff213c",
                "hi": "83636e9b7a5260451e09e9e471f81dad9f082d107a82da77047e57d7856ed0cc",
                "hu": "a6943a971496f16e9a9d59ba6fde146d229699600e9636828d8d34ed9160aff5",
                "it": "d413f41018d58aa79d2c4809d0161f29ffd5652c4dc34c5b7b9ade680ee5599a",
                "ja": "f83c4d0843ea6474c17bf171edd72b616b3af403f8613f2cde1bd841faf6f316",
                "kab": "df7be2ce4a0c80ee717cd7134c90645a8a0f0c0c458a61f927934dbd50eac96d",
                "ko": "0dd4b74ffea6e3bb35d658e6d8262b53ee99281eaa48ecb515a2065bfcc7f69d",
                "nl": "8298ba0cdc3ca9a1989c349b8ad0148e4504c2804f2f2fb6c2f52bfb39c5ae71",
                "no": "e55b46bcec1ea288256924523a997d8d99e124c9aa3e61cbbbfaeca294f745b4",
                "pl": "98cf824e3692255645c5a72d5913f26fd4f20930f725683b4c96bb312ca5d9b3",
                "pt": "05ef524b0bb7f83f87257f6ec4dabf70e16b8bb6930f769fb93deaf608ff196d",
                "ru": "2598adabd2b761733d72a68d8ee4fcc1d2c38f2f85b6ff489985c6ce1d93bf75",
                "sv": "77f3f99a89bd3b2bde6a654741bacfcb3acca3f5c804af4d8d3fea11e09ea562",
                "th": "835036d87a3a67738e388cd6de92e3c995c186a1427b4e830fe7b85483c257e7",
                "tlh": "3c19004e338c0d91d19ba419185279145848b75b2327aa0e3a752c604ad9f59d",
                "tr": "6c7ae03baee0f3fdc22eed169030567669005dad9a1923e0b571c4bd4f2f2ab5",
                "zh": "a1d9aa037c8b039ef3b40148b3364ce2ca62ce4a955b7082a16ad99f6cbd1bc0",
            }.items()
        },
    ),
}
_TIMEOUT_SECS = 60


class AssetError(RuntimeError):
    """A download failed or its checksum did not match."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(2**20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(name: str, cache: Path, mirror: Path | None = None) -> Path:
    """Fetch asset `name` into `cache/name/`, verifying every file; returns that folder."""
    folder, files = ASSETS[name]
    target = cache / name
    target.mkdir(parents=True, exist_ok=True)
    for filename, (url, sha256) in files.items():
        path = target / filename
        if path.exists() and sha256_file(path) == sha256:
            continue
        with tempfile.NamedTemporaryFile(dir=target, delete=False) as tmp:
            try:
                if mirror is not None:
                    with open(mirror / folder / filename, "rb") as src:
                        shutil.copyfileobj(src, tmp)
                else:
                    with urllib.request.urlopen(url, timeout=_TIMEOUT_SECS) as response:
                        shutil.copyfileobj(response, tmp)
            except OSError as e:
                os.unlink(tmp.name)
                raise AssetError(
                    f"{name}/{filename}: cannot fetch {mirror / folder / filename if mirror else url}: {e}"
                ) from None
        actual = sha256_file(Path(tmp.name))
        if actual != sha256:
            os.unlink(tmp.name)
            raise AssetError(f"{name}/{filename}: sha256 {actual} does not match the pinned {sha256}; not installed")
        os.replace(tmp.name, path)
    return target


def config_lines(name: str, folder: Path) -> str:
    """The run-config lines that use a fetched asset."""
    if name == "ut1":
        return (
            f"  url_blocklist:\n    archives: [{folder / 'url_filterblacklistsv0_3_0.tar.gz'}]\n"
            f"    banned_words: {folder / 'banned_words.txt'}\n    soft_banned_words: {folder / 'soft_banned_words.txt'}"
        )
    return f"  word_blocklist:\n    directory: {folder}"


def assets_command(names: list[str], cache: Path, mirror: Path | None) -> int:
    """Fetch and verify `names` (all by default). ConfigError for an unknown name; AssetError when a file
    cannot be fetched or fails its checksum (the CLI maps them to its exit statuses)."""
    unknown = sorted(set(names) - set(ASSETS))
    if unknown:
        raise ConfigError(f"unknown asset {unknown[0]!r} (expected: {', '.join(ASSETS)})")
    folders = {name: fetch(name, cache, mirror) for name in names or list(ASSETS)}
    print("verified; use them in a run config:\nsafety:\n  enabled: true")
    for name, folder in folders.items():
        print(config_lines(name, folder))
    return 0
