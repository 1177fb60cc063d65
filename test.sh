#!/usr/bin/env bash
# README's test command: restores, builds (warnings are errors) and runs the whole test suite.
# Builds only what the tests need, so benchmark-only packages are never restored here.
set -euo pipefail
cd "$(dirname "$0")"
dotnet test tests/NetCompiler.Tests.csproj -c Release "$@"
