#!/usr/bin/env bash
# Package smoke test: what a new user does.
#  1. packs the NetCompiler package into a temporary local feed;
#  2. creates a brand-new console project outside the repository (`dotnet new console`) with a nuget.config
#     naming that feed (and nuget.org, for System.Numerics.Tensors and the NativeAOT compiler packs), and adds
#     the package with `dotnet add package`;
#  3. writes a small network (2-16-1 XOR MLP, Tanh/Sigmoid, binary cross-entropy), builds it with Nullable,
#     TreatWarningsAsErrors and GenerateDocumentationFile, runs it (trains 500 compiled SGD steps, checks the loss dropped and the outputs are right; checks one
#     interpreted step against the compiled one and a safetensors checkpoint round trip);
#  3b. builds a class library of malformed definitions against the package and checks that each mistake gets its
#     NC diagnostic at its line, and that the generator does not crash;
#  4. publishes it with NativeAOT (-p:IlcInstructionSet=native), checks the publish printed no trim/AOT
#     warnings (IL2xxx/IL3xxx), runs the native binary and checks it prints the same as the JIT run.
# Temporary folders are removed at the end (KEEP_TEMP=1 keeps them). Prints PASS or FAIL and exits 0 or 1.
#
# The package is packed with a unique prerelease version (0.1.0-smoke.<time>) so NuGet's global packages
# folder can never hand back a stale copy from an earlier run; that one folder is removed again at the end.
# SMOKE_VERSION=... chooses the version instead. SKIP_AOT=1 skips step 4.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

prefix="$(sed -n 's:.*<VersionPrefix>\(.*\)</VersionPrefix>.*:\1:p' "$repo/runtime/NetCompiler.Runtime.csproj")"
version="${SMOKE_VERSION:-${prefix:-0.1.0}-smoke.$(date +%Y%m%d%H%M%S)}"
work="$(mktemp -d "${TMPDIR:-/tmp}/netcompiler-smoke.XXXXXX")"
feed="$work/feed"
app="$work/SmokeApp"
packages_root="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
log="$work/log"
mkdir -p "$feed" "$log"

results=()
failed=0
pass() { results+=("PASS  $1"); echo "== PASS: $1"; }
fail() { results+=("FAIL  $1"); echo "== FAIL: $1" >&2; failed=1; }

summary() {
  echo
  echo "==== package smoke test summary (NetCompiler $version) ===="
  local r
  for r in "${results[@]}"; do echo "  $r"; done
  if [[ $failed -eq 0 ]]; then echo "PASS"; else echo "FAIL"; fi
}

cleanup() {
  local status=$?
  if [[ $status -ne 0 && $failed -eq 0 ]]; then
    results+=("FAIL  aborted (exit $status); see the output above")
    failed=1
  fi
  summary
  if [[ "${KEEP_TEMP:-0}" == 1 ]]; then
    echo "kept $work"
  else
    rm -rf "$work"
  fi
  # Only the unique version this run put into the global packages folder.
  rm -rf "$packages_root/netcompiler/${version,,}"
  rmdir "$packages_root/netcompiler" 2> /dev/null || true
  if [[ $failed -ne 0 ]]; then exit 1; fi
  exit 0
}
trap cleanup EXIT

# Runs a step with its output in a log file; on failure shows the log's tail and stops.
step() {
  local name="$1"; shift
  echo "== $name"
  if "$@" > "$log/current" 2>&1; then
    return 0
  fi
  tail -n 60 "$log/current" >&2
  fail "$name"
  exit 1
}

command -v dotnet > /dev/null || { fail "prerequisites: dotnet not found; install the .NET 10 SDK"; exit 1; }

# ---- 1. pack -------------------------------------------------------------------------------------------------
step "pack NetCompiler $version" dotnet pack "$repo/runtime/NetCompiler.Runtime.csproj" -c Release -o "$feed" -p:Version="$version"
nupkg="$feed/NetCompiler.$version.nupkg"
# A .nupkg is a zip: list it and read its nuspec with unzip, or python3 where unzip is missing.
if command -v unzip > /dev/null; then
  listing="$(unzip -l "$nupkg")"
  nuspec="$(unzip -p "$nupkg" NetCompiler.nuspec)"
elif command -v python3 > /dev/null; then
  listing="$(python3 -c 'import sys,zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$nupkg")"
  nuspec="$(python3 -c 'import sys,zipfile; print(zipfile.ZipFile(sys.argv[1]).read("NetCompiler.nuspec").decode("utf-8-sig"))' "$nupkg")"
else
  fail "prerequisites: neither unzip nor python3 to look into the package; install unzip (apt-get install unzip)"; exit 1
fi
missing=""
for entry in lib/net10.0/NetCompiler.dll lib/net10.0/NetCompiler.xml analyzers/dotnet/cs/NetCompiler.Generator.dll README.md; do
  grep -q " $entry\$\|^$entry\$" <<< "$listing" || missing+=" $entry"
done
grep -q 'dependency id="System.Numerics.Tensors"' <<< "$nuspec" || missing+=" dependency:System.Numerics.Tensors"
grep -q '<license type="expression">' <<< "$nuspec" || missing+=" license"
grep -q 'lib/.*Generator' <<< "$listing" && missing+=" (generator must not be in lib/)"
if [[ -n "$missing" ]]; then fail "package contents (missing:$missing)"; exit 1; fi
pass "pack: lib/net10.0/NetCompiler.dll, analyzers/dotnet/cs/NetCompiler.Generator.dll, README, licence, System.Numerics.Tensors dependency"

# ---- 2. a new console project outside the repository ----------------------------------------------------------
step "dotnet new console" dotnet new console -o "$app" -n SmokeApp --framework net10.0
cat > "$app/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="netcompiler-local" value="$feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
  </packageSources>
  <packageSourceMapping>
    <packageSource key="netcompiler-local"><package pattern="NetCompiler" /></packageSource>
    <packageSource key="nuget.org"><package pattern="*" /></packageSource>
  </packageSourceMapping>
</configuration>
XML
step "dotnet add package NetCompiler --version $version" \
  dotnet add "$app/SmokeApp.csproj" package NetCompiler --version "$version"

# Nullable, warnings-as-errors and a documentation file (CS1591 for any undocumented public member, generated ones
# included), as a careful user would build.
sed -i 's:</PropertyGroup>:  <Nullable>enable</Nullable>\n    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>\n    <GenerateDocumentationFile>true</GenerateDocumentationFile>\n  </PropertyGroup>:' "$app/SmokeApp.csproj"
grep -q '<TreatWarningsAsErrors>true' "$app/SmokeApp.csproj" || { fail "could not edit SmokeApp.csproj"; exit 1; }

cat > "$app/XorNet.cs" <<'CS'
using NetCompiler;
using static NetCompiler.Ops;

namespace SmokeApp;

/// <summary>2 -> 16 tanh -> 1 sigmoid, binary cross-entropy: learns XOR.</summary>
[Network]
public partial class XorNet
{
    [Dense(2, 16)] Dense hidden;
    [Dense(16, 1)] Dense output;

    [Forward] Tensor Forward([Shape(2)] Tensor x) => Sigmoid(output.Forward(Tanh(hidden.Forward(x))));

    [Loss] static Tensor Loss(Tensor y, Tensor t) => BinaryCrossEntropy(y, t);
}
CS

# No usings: with ImplicitUsings (on in `dotnet new console`) the package's build/NetCompiler.targets adds
# `global using NetCompiler;` and `global using static NetCompiler.Ops;`.
grep -q '<ImplicitUsings>enable' "$app/SmokeApp.csproj" || { fail "dotnet new console no longer enables ImplicitUsings"; exit 1; }
cat > "$app/AndNet.cs" <<'CS'
namespace SmokeApp;

/// <summary>A 2-input perceptron for AND, written without any using directive.</summary>
[Network]
public partial class AndNet
{
    [Dense(2, 1)] Dense output;

    [Forward] Tensor Forward([Shape(2)] Tensor x) => Sigmoid(output.Forward(x));

    [Loss] static Tensor Loss(Tensor y, Tensor t) => BinaryCrossEntropy(y, t);
}
CS

cat > "$app/Program.cs" <<'CS'
using System;
using System.Globalization;
using System.IO;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using NetCompiler;
using SmokeApp;

// The first line tells how this process runs; every later line must be the same under the JIT and NativeAOT.
Console.WriteLine($"mode: {(RuntimeFeature.IsDynamicCodeSupported ? "jit" : "nativeaot")}");
Console.WriteLine($"simd: Vector512={Vector512.IsHardwareAccelerated} Vector256={Vector256.IsHardwareAccelerated}");

float[] x = [0, 0, 0, 1, 1, 0, 1, 1];
float[] t = [0, 1, 1, 0];
const int batch = 4;

var net = new XorNet(seed: 1);
float first = 0, last = 0;
for (int step = 0; step < 500; step++)
{
    last = net.TrainStep(x, t, batch, 0.5f);
    if (step == 0) first = last;
    if (step % 100 == 0 || step == 499)
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"step {step,3}: loss {last:R}"));
}

var y = new float[batch];
net.Infer(x, y, batch);
bool correct = true;
for (int i = 0; i < batch; i++)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"xor({x[2 * i]}, {x[2 * i + 1]}) = {y[i]:R}"));
    correct &= (y[i] > 0.5f) == (t[i] > 0.5f);
}
Span<float> w = net.Parameters.GetValues("hidden.weight");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"hidden.weight: {w.Length} values, w[0] = {w[0]:R}"));

// The interpreted path (eager tensors with a tape) on the same definition agrees with the compiled step.
var compiledNet = new XorNet(seed: 1);
var eagerNet = new XorNet(seed: 1);
float compiledLoss = compiledNet.TrainStep(x, t, batch, 0.5f);
float eagerLoss = Interpreter.TrainStep(eagerNet, x, t, batch, 0.5f);
bool agree = MathF.Abs(compiledLoss - eagerLoss) <= 1e-5f;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"first step: compiled {compiledLoss:R}, interpreted {eagerLoss:R}: {(agree ? "agree" : "DISAGREE")}"));

// A safetensors checkpoint round trip into a differently seeded network gives the same outputs.
string path = Path.Combine(Path.GetTempPath(), $"smoke-{Environment.ProcessId}.safetensors");
Checkpoint.Save(path, net);
var loaded = new XorNet(seed: 2);
Checkpoint.Load(path, loaded);
File.Delete(path);
var y2 = new float[batch];
loaded.Infer(x, y2, batch);
bool restored = y.AsSpan().SequenceEqual(y2);
Console.WriteLine($"checkpoint round trip: {(restored ? "same outputs" : "DIFFERENT OUTPUTS")}");

// The network written without usings trains too.
var and = new AndNet(seed: 1);
float[] tAnd = [0, 0, 0, 1];
float andFirst = and.TrainStep(x, tAnd, batch, 1f), andLast = andFirst;
for (int step = 1; step < 300; step++) andLast = and.TrainStep(x, tAnd, batch, 1f);
bool andLearned = andLast < 0.5f * andFirst;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"AndNet (no usings): loss {andFirst:F4} -> {andLast:F4}: {(andLearned ? "dropped" : "DID NOT DROP")}"));

bool dropped = last < 0.5f * first;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"loss {first:F4} -> {last:F4}: {(dropped ? "dropped" : "DID NOT DROP")}; outputs {(correct ? "correct" : "WRONG")}"));
return dropped && correct && agree && restored && andLearned ? 0 : 1;
CS

# ---- 3. build and run under the JIT ----------------------------------------------------------------------------
step "build (Release, Nullable, TreatWarningsAsErrors)" dotnet build "$app/SmokeApp.csproj" -c Release
pass "build of a new console project with the package (warnings as errors)"

echo "== run (JIT)"
if dotnet "$app/bin/Release/net10.0/SmokeApp.dll" > "$log/jit.txt" 2>&1; then
  cat "$log/jit.txt"
  pass "JIT run: trained, loss dropped, inference correct, interpreted = compiled, checkpoint round trip, a network without usings trained"
else
  cat "$log/jit.txt" >&2
  fail "JIT run (a check failed or it crashed; output above)"
  exit 1
fi

# ---- 3b. malformed definitions against the package ----------------------------------------------------------------
# Every definition below is wrong in one way; the line of each mistake ends in "// expect NCxxxx". The build must
# fail with exactly those NC diagnostics at those lines (id, file and line), and the generator must not crash
# (no CS8784/CS8785, no NC9001, no AD0001).
broken="$work/Broken"
step "dotnet new classlib (malformed definitions)" dotnet new classlib -o "$broken" -n Broken --framework net10.0
cp "$app/nuget.config" "$broken/"
step "dotnet add package NetCompiler (malformed definitions)" dotnet add "$broken/Broken.csproj" package NetCompiler --version "$version"
rm -f "$broken/Class1.cs"
cat > "$broken/Shapes.cs" <<'CS'
namespace Broken;

[Network]
public partial class DenseMismatch
{
    [Dense(3, 4)] Dense hidden;
    [Forward] Tensor Forward([Shape(2)] Tensor x) => Tanh(hidden.Forward(x)); // expect NC0101
}

[Network]
public partial class ZeroWidth
{
    [Dense(2, 0)] Dense hidden; // expect NC0102
    [Forward] Tensor Forward([Shape(2)] Tensor x) => hidden.Forward(x);
}

[Network]
public partial class TargetMismatch
{
    [Dense(2, 3)] Dense output;
    [Forward] Tensor Forward([Shape(2)] Tensor x) => output.Forward(x);
    [Loss] static Tensor Loss(Tensor y, [Shape(2)] Tensor t) => MeanSquaredError(y, t); // expect NC0103
}

[Network]
public partial class HugeInput
{
    [Param(4, 4)] Tensor w;
    [Forward] Tensor Forward([Shape(int.MaxValue, 4)] Tensor x) => MatMul(x, w); // expect NC0105
}
CS
cat > "$broken/Definitions.cs" <<'CS'
namespace Broken;

[Network]
public class NotPartial // expect NC0001
{
    [Dense(2, 1)] Dense output = null!;
    [Forward] Tensor Forward([Shape(2)] Tensor x) => output.Forward(x);
}

[Network]
public partial class WithBranch
{
    [Dense(2, 1)] Dense output;
    [Forward] Tensor Forward([Shape(2)] Tensor x)
    {
        if (x is null) return x; // expect NC0003
        return output.Forward(x);
    }
}

[Network]
public partial class WithoutShape
{
    [Dense(2, 1)] Dense output;
    [Forward] Tensor Forward(Tensor x) => output.Forward(x); // expect NC0005
}

[Network]
public partial class Generic<T> // expect NC0009
{
    [Dense(2, 1)] Dense output;
    [Forward] Tensor Forward([Shape(2)] Tensor x) => output.Forward(x);
}

[Module]
public partial class Chain
{
    [Dense(2, 2)] Dense layer;
    Chain next = null!; // expect NC0010
    public Tensor Forward(Tensor x) => next.Forward(layer.Forward(x));
}

[Network]
public partial class UsesChain
{
    Chain chain = null!;
    [Forward] Tensor Forward([Shape(2)] Tensor x) => chain.Forward(x);
}

[Network]
public partial class WithConstructor
{
    [Dense(2, 1)] Dense output;
    public WithConstructor() { } // expect NC0012
    [Forward] Tensor Forward([Shape(2)] Tensor x) => output.Forward(x);
}

[Network]
public partial class Spare
{
    [Dense(2, 1)] Dense output;
    [Dense(2, 1)] Dense spare; // expect NC0201
    [Forward] Tensor Forward([Shape(2)] Tensor x) => output.Forward(x);
}
CS
echo "== build malformed definitions (must fail with the expected diagnostics)"
if dotnet build "$broken/Broken.csproj" -c Release > "$log/broken.txt" 2>&1; then
  fail "malformed definitions built without errors"
else
  # "File.cs(line,col): error NC0101: ..." -> "File.cs:line:NC0101", once per diagnostic.
  reported="$(grep -oE '[A-Za-z]+\.cs\([0-9]+,[0-9]+\): (error|warning) NC[0-9]{4}' "$log/broken.txt" \
    | sed -E 's/\(([0-9]+),[0-9]+\): (error|warning) /:\1:/' | sort -u)"
  expected="$(cd "$broken" && grep -nE '// expect NC[0-9]{4}' Shapes.cs Definitions.cs | sed -E 's/^([^:]+):([0-9]+):.*expect (NC[0-9]{4}).*/\1:\2:\3/' | sort -u)"
  crashes="$(grep -oE '(warning|error) (CS8784|CS8785|NC9001|AD0001)[^[]*' "$log/broken.txt" | sort -u || true)"
  if [[ -n "$crashes" ]]; then
    echo "$crashes" >&2
    fail "malformed definitions: the generator crashed (above)"
  elif [[ "$reported" != "$expected" ]]; then
    diff <(echo "$expected") <(echo "$reported") >&2 || true
    grep -E ' NC[0-9]{4}' "$log/broken.txt" | sed 's/ \[.*//' | sort -u >&2
    fail "malformed definitions: the NC diagnostics differ from the expected ones ('<' expected, '>' reported)"
  else
    pass "malformed definitions: $(wc -l <<< "$expected") expected NC diagnostics at their lines, no generator crash"
  fi
fi

# ---- 4. NativeAOT ---------------------------------------------------------------------------------------------
if [[ "${SKIP_AOT:-0}" == 1 ]]; then
  results+=("SKIP  NativeAOT publish (SKIP_AOT=1)")
  exit 0
fi
if ! command -v clang > /dev/null && ! command -v gcc > /dev/null; then
  fail "NativeAOT prerequisites: no C compiler/linker (clang or gcc) on PATH; install one, e.g. on Debian/Ubuntu: sudo apt-get install clang zlib1g-dev (Fedora: sudo dnf install clang zlib-devel)"
  exit 1
fi
rid="linux-$(uname -m | sed 's/x86_64/x64/;s/aarch64/arm64/')"
echo "== publish NativeAOT ($rid, IlcInstructionSet=native)"
if ! dotnet publish "$app/SmokeApp.csproj" -c Release -r "$rid" -p:PublishAot=true -p:IlcInstructionSet=native \
     -o "$work/aot" > "$log/publish.txt" 2>&1; then
  tail -n 60 "$log/publish.txt" >&2
  if grep -qiE "linker.*not found|clang.*not found|cannot find -lz|zlib" "$log/publish.txt"; then
    echo "NativeAOT needs a C toolchain and zlib: on Debian/Ubuntu: sudo apt-get install clang zlib1g-dev" >&2
  fi
  fail "NativeAOT publish"
  exit 1
fi
if grep -E "warning IL[23][0-9]{3}" "$log/publish.txt" | sort -u; then
  fail "NativeAOT publish printed trim/AOT warnings (above)"
else
  pass "NativeAOT publish with no IL2xxx/IL3xxx warnings"
fi
binary="$work/aot/SmokeApp"
size="$(stat -c %s "$binary")"
echo "native binary: $binary, $size bytes ($(( size / 1024 )) KiB)"

echo "== run (NativeAOT)"
if "$binary" > "$log/aot.txt" 2>&1; then
  cat "$log/aot.txt"
  pass "NativeAOT run: the same checks ($(( size / 1024 )) KiB binary)"
else
  cat "$log/aot.txt" >&2
  fail "NativeAOT run (a check failed or it crashed; output above)"
  exit 1
fi
head -n 1 "$log/aot.txt" | grep -q "mode: nativeaot" || fail "the published binary did not run as NativeAOT"
if diff <(tail -n +2 "$log/jit.txt") <(tail -n +2 "$log/aot.txt"); then
  pass "NativeAOT output identical to the JIT run (SIMD paths included)"
else
  fail "NativeAOT output differs from the JIT run (diff above)"
fi
