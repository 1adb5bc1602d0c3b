from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import jwt
import pytest

from tunecamp.daemon.accounts.tokens import InvalidToken, Signer
from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.secret import SecretError, resolve_secret

SECRET = b"x" * 40


def test_secret_from_the_environment_wins(tmp_path: Path) -> None:
    (tmp_path / ".jwt-secret").write_text("f" * 64)
    config = DaemonConfig(data_dir=tmp_path, jwt_secret="e" * 40)
    assert resolve_secret(config) == (b"e" * 40, "environment")


def test_secret_generated_once_with_mode_0600_then_read(tmp_path: Path) -> None:
    config = DaemonConfig(data_dir=tmp_path / "data")
    secret, source = resolve_secret(config)
    assert source == "generated" and len(secret) >= 32
    path = tmp_path / "data" / ".jwt-secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert resolve_secret(config) == (secret, "file")


def test_daemons_starting_together_share_one_whole_secret(tmp_path: Path) -> None:
    """Several processes on one data folder: one generates, the others read it, never half-written."""
    script = (  # imported first, then all at once when the go file appears
        "import sys; from pathlib import Path; from tunecamp.daemon.config import DaemonConfig;"
        "from tunecamp.daemon.secret import resolve_secret; go = Path(sys.argv[2]); print('ready', flush=True)\n"
        "while not go.exists(): pass\n"
        "print(resolve_secret(DaemonConfig(data_dir=Path(sys.argv[1])))[0].decode())"
    )
    for round in range(5):
        data, go = tmp_path / str(round), tmp_path / f"go{round}"
        runs = [
            subprocess.Popen(
                [sys.executable, "-c", script, str(data), str(go)], stdout=subprocess.PIPE, text=True
            )
            for _ in range(6)
        ]
        assert all(run.stdout is not None and run.stdout.readline() == "ready\n" for run in runs)
        go.touch()
        secrets = {run.communicate(timeout=120)[0].strip() for run in runs}
        assert all(run.returncode == 0 for run in runs)
        assert len(secrets) == 1 and len(secrets.pop()) == 64
        assert [p.name for p in data.iterdir()] == [".jwt-secret"]  # no draft left behind


def test_a_secret_file_readable_by_others_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / ".jwt-secret"
    path.write_text("a" * 64 + "\n")
    os.chmod(path, 0o644)
    assert resolve_secret(DaemonConfig(data_dir=tmp_path)) == (b"a" * 64, "file")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_short_secret_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / ".jwt-secret").write_text("short")
    os.chmod(tmp_path / ".jwt-secret", 0o600)
    with pytest.raises(SecretError, match="32 bytes"):
        resolve_secret(DaemonConfig(data_dir=tmp_path))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims() -> dict[str, object]:
    now = int(time.time())
    return {"sub": "1", "gen": 0, "iat": now, "exp": now + 60, "jti": "j", "typ": "access"}


def test_round_trip_and_csrf() -> None:
    signer = Signer(SECRET)
    claims = signer.verify(signer.issue(7, 3, 60))
    assert (claims.user_id, claims.generation) == (7, 3)
    csrf = signer.csrf_token(claims.token_id)
    assert signer.check_csrf(claims.token_id, csrf)
    tampered = csrf[:-1] + ("1" if csrf.endswith("0") else "0")
    assert not signer.check_csrf(claims.token_id, tampered)
    assert not signer.check_csrf("other", csrf)


def test_expired() -> None:
    signer = Signer(SECRET)
    with pytest.raises(InvalidToken, match="expired"):
        signer.verify(signer.issue(1, 0, 60, now=time.time() - 3600))


def test_alg_none_is_refused() -> None:
    header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    token = f"{header}.{_b64(json.dumps(_claims()).encode())}."
    with pytest.raises(InvalidToken):
        Signer(SECRET).verify(token)


def test_forged_signature_is_refused() -> None:
    token = jwt.encode(_claims(), b"y" * 40, algorithm="HS256")
    with pytest.raises(InvalidToken):
        Signer(SECRET).verify(token)


PUBLIC_PEM = (
    b"-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\n"
    b"-----END PUBLIC KEY-----\n"
)


def _signed(header: dict[str, str], key: bytes) -> str:
    head, body = _b64(json.dumps(header).encode()), _b64(json.dumps(_claims()).encode())
    sig = _b64(hmac.new(key, f"{head}.{body}".encode(), hashlib.sha256).digest())
    return f"{head}.{body}.{sig}"


def test_rs256_and_hs_confusion_are_refused() -> None:
    # an RS256 header is refused before any signature is looked at
    head, body = _b64(b'{"alg":"RS256","typ":"JWT"}'), _b64(json.dumps(_claims()).encode())
    with pytest.raises(InvalidToken, match="alg"):
        Signer(SECRET).verify(f"{head}.{body}.{_b64(os.urandom(256))}")
    # the classic confusion: HS256 "signed" with the server's public key as the HMAC secret
    with pytest.raises(InvalidToken):
        Signer(SECRET).verify(_signed({"alg": "HS256", "typ": "JWT"}, PUBLIC_PEM))
    # and the same trick with an algorithm name the server never allows
    with pytest.raises(InvalidToken):
        Signer(SECRET).verify(_signed({"alg": "HS512", "typ": "JWT"}, SECRET))


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "a.b", "..", "x" * 5000])
def test_garbage_is_refused(token: str) -> None:
    with pytest.raises(InvalidToken):
        Signer(SECRET).verify(token)


def test_missing_claims_and_wrong_type_are_refused() -> None:
    for drop in ("exp", "gen", "sub", "jti"):
        claims = _claims()
        del claims[drop]
        with pytest.raises(InvalidToken):
            Signer(SECRET).verify(jwt.encode(claims, SECRET, algorithm="HS256"))
    claims = {**_claims(), "typ": "refresh"}
    with pytest.raises(InvalidToken):
        Signer(SECRET).verify(jwt.encode(claims, SECRET, algorithm="HS256"))
