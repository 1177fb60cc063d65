// The one libstdc++ symbol that libLibTorchSharp.so (TorchSharp 0.107, built with GCC 13) asks for at version
// GLIBCXX_3.4.32, which Debian 12's libstdc++ (GCC 12, up to GLIBCXX_3.4.30) does not have.
//
// GCC 13's <iostream> only names this function (an assembler .globl) so that the static linker pulls in the
// object that initialises std::cout and friends; nothing calls it. In GCC 12's libstdc++ that initialisation
// happens anyway, so an empty definition is all that is needed for the name to resolve.
// Built by patch-libtorchsharp.sh into libstdcxx-ios-init.so, placed beside libLibTorchSharp.so.
namespace std
{
    void ios_base_library_init() {}
}
