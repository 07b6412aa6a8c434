#!/usr/bin/env bash
# DKIM signing benchmark: CPU per issue message to build it, to build and sign it with MessageSigning (.NET's RSA),
# and, the reference in the same run, to build and sign it with MimeKit's default DkimSigner (BouncyCastle), as
# `metric value unit` lines. Options: --messages N (2000).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build -c Release bench/Broadsheet.Bench.Dkim -v quiet -nologo >/dev/null
exec dotnet bench/Broadsheet.Bench.Dkim/bin/Release/net10.0/Broadsheet.Bench.Dkim.dll "$@"
