#!/usr/bin/env bash
# patch-libtorchsharp.sh NATIVE_DIR
#
# Makes TorchSharp 0.107's libLibTorchSharp.so load on a system whose libstdc++ is older than GCC 13's
# (Debian 12: GLIBCXX up to 3.4.30). Patches NATIVE_DIR/libLibTorchSharp.so in place and builds the shim beside it.
# The bench build (TorchSharpFix.targets) runs it on a copy in obj/, never on the NuGet cache, and copies the result
# to the output's runtimes/linux-x64/native/.
#
# Why: libLibTorchSharp.so was linked with GCC 13 and asks for GLIBCXX_3.4.32 for exactly one symbol,
# std::ios_base_library_init(), which GCC 13's <iostream> names only to pull in the iostream initialiser. Without
# that version the dynamic loader refuses the library, and the first torch.* call throws TypeInitializationException.
# Fix, in three idempotent steps:
#   1. patchelf --clear-symbol-version: the symbol no longer asks for GLIBCXX_3.4.32;
#   2. weaken_version_need: the GLIBCXX_3.4.32 version-need entry becomes weak, so its absence is not an error;
#   3. build libstdcxx-ios-init.so (an empty std::ios_base_library_init()) beside the library and add it as a
#      needed library, so the name resolves like any other (the library's RUNPATH starts with $ORIGIN).
# Does nothing when the system libstdc++ already has GLIBCXX_3.4.32, when the library is already patched, or when
# the library is absent. When patchelf or a compiler is missing it explains and exits 0 without creating the shim:
# the build succeeds, and the bench reports TorchSharp as n/a with the reason.
set -euo pipefail

native_dir=${1:?usage: patch-libtorchsharp.sh NATIVE_DIR}
native_dir=${native_dir%/}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
lib="$native_dir/libLibTorchSharp.so"
shim_name=libstdcxx-ios-init.so
symbol=_ZSt21ios_base_library_initv   # std::ios_base_library_init()
version=GLIBCXX_3.4.32

[[ -f "$lib" ]] || exit 0   # TorchSharp not in this output (or not Linux x64): nothing to patch

system_libstdcxx=$( (/sbin/ldconfig -p 2>/dev/null || ldconfig -p 2>/dev/null || true) \
    | awk '/libstdc\+\+\.so\.6 .*x86-64/ { print $NF; exit }')
if [[ -n "$system_libstdcxx" ]] && grep -qa "$version" "$system_libstdcxx"; then
    exit 0   # this libstdc++ (GCC 13 or newer) has the version: the library loads as shipped
fi

explain_missing() {
    echo "bench: TorchSharp's libLibTorchSharp.so needs $version, which the system libstdc++ lacks," \
         "and patching it needs $1. Install it (Debian/Ubuntu: sudo apt-get install $2) and rebuild;" \
         "until then the benchmarks report TorchSharp as n/a."
}

# Already patched? The needed-library entry is added last, so its presence means all three steps ran.
if command -v patchelf >/dev/null && [[ -f "$native_dir/$shim_name" ]] \
    && patchelf --print-needed "$lib" | grep -qx "$shim_name"; then
    exit 0
fi

command -v patchelf >/dev/null || { explain_missing patchelf patchelf; exit 0; }
command -v g++ >/dev/null || { explain_missing "a C/C++ compiler (g++)" g++; exit 0; }
command -v gcc >/dev/null || { explain_missing "a C compiler (gcc)" gcc; exit 0; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

gcc -O2 -o "$work/weaken_version_need" "$here/weaken_version_need.c"
g++ -shared -fPIC -O2 -o "$native_dir/$shim_name" "$here/ios_base_library_init.cpp"

patchelf --clear-symbol-version "$symbol" "$lib"
"$work/weaken_version_need" "$lib" libstdc++.so.6 "$version" >/dev/null
if ! patchelf --print-needed "$lib" | grep -qx "$shim_name"; then
    patchelf --add-needed "$shim_name" "$lib"
fi
echo "bench: patched $lib to load with the system libstdc++ (no $version; see bench/TorchSharpFix)."
