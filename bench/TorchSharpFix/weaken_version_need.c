// weaken_version_need FILE LIBRARY VERSION
//
// Marks the version requirement VERSION of LIBRARY in the ELF shared object FILE as weak (VER_FLG_WEAK in its
// Elf64_Vernaux entry of .gnu.version_r). The dynamic loader then only warns, in LD_DEBUG output, instead of
// refusing to load FILE when LIBRARY lacks that version. patchelf (0.14, Debian 12) can clear the version of a
// symbol but not weaken or drop a version-need entry, hence this small tool.
//
// Exit status: 0 when the entry is weak afterwards (already weak counts: the tool is idempotent),
// 1 when the entry is not found, 2 on a usage, I/O or format error. Only 64-bit little-endian ELF (x86-64).
#include <elf.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char *read_all(const char *path, long *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    unsigned char *data = NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (*size = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0)
    {
        data = malloc((size_t)*size);
        if (data && fread(data, 1, (size_t)*size, f) != (size_t)*size) { free(data); data = NULL; }
    }
    fclose(f);
    return data;
}

// Whether [offset, offset + length) lies inside the file.
static int inside(long size, unsigned long offset, unsigned long length)
{
    return offset <= (unsigned long)size && length <= (unsigned long)size - offset;
}

int main(int argc, char **argv)
{
    if (argc != 4)
    {
        fprintf(stderr, "usage: %s FILE LIBRARY VERSION   (e.g. libLibTorchSharp.so libstdc++.so.6 GLIBCXX_3.4.32)\n", argv[0]);
        return 2;
    }
    const char *path = argv[1], *library = argv[2], *version = argv[3];
    long size = 0;
    unsigned char *data = read_all(path, &size);
    if (!data) { perror(path); return 2; }

    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)data;
    if (size < (long)sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0
        || eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB)
    {
        fprintf(stderr, "%s: not a 64-bit little-endian ELF file\n", path);
        return 2;
    }
    if (eh->e_shentsize != sizeof(Elf64_Shdr) || !inside(size, eh->e_shoff, (unsigned long)eh->e_shnum * sizeof(Elf64_Shdr)))
    {
        fprintf(stderr, "%s: malformed section header table\n", path);
        return 2;
    }
    const Elf64_Shdr *sections = (const Elf64_Shdr *)(data + eh->e_shoff);

    for (int s = 0; s < eh->e_shnum; s++)
    {
        const Elf64_Shdr *need = &sections[s];
        if (need->sh_type != SHT_GNU_verneed) continue;
        if (need->sh_link >= eh->e_shnum || !inside(size, need->sh_offset, need->sh_size)) break;
        const Elf64_Shdr *strings = &sections[need->sh_link];
        if (!inside(size, strings->sh_offset, strings->sh_size)) break;
        const char *names = (const char *)(data + strings->sh_offset);

        // .gnu.version_r is a chain of Verneed records (one per needed library), each followed by a chain of
        // Vernaux records (one per version of that library); vn_next and vna_next are relative byte offsets.
        unsigned long at = need->sh_offset, end = need->sh_offset + need->sh_size;
        while (at + sizeof(Elf64_Verneed) <= end)
        {
            const Elf64_Verneed *vn = (const Elf64_Verneed *)(data + at);
            int is_library = vn->vn_file < strings->sh_size
                && strncmp(names + vn->vn_file, library, strings->sh_size - vn->vn_file) == 0;
            unsigned long aux_at = at + vn->vn_aux;
            for (unsigned i = 0; is_library && i < vn->vn_cnt && aux_at + sizeof(Elf64_Vernaux) <= end; i++)
            {
                Elf64_Vernaux *aux = (Elf64_Vernaux *)(data + aux_at);
                if (aux->vna_name < strings->sh_size
                    && strncmp(names + aux->vna_name, version, strings->sh_size - aux->vna_name) == 0)
                {
                    if (aux->vna_flags & VER_FLG_WEAK) { printf("%s: %s of %s is already weak\n", path, version, library); return 0; }
                    aux->vna_flags |= VER_FLG_WEAK;
                    FILE *f = fopen(path, "r+b");
                    if (!f || fseek(f, (long)(aux_at + offsetof(Elf64_Vernaux, vna_flags)), SEEK_SET) != 0
                        || fwrite(&aux->vna_flags, sizeof aux->vna_flags, 1, f) != 1 || fclose(f) != 0)
                    {
                        perror(path);
                        return 2;
                    }
                    printf("%s: marked %s of %s weak\n", path, version, library);
                    return 0;
                }
                if (aux->vna_next == 0) break;
                aux_at += aux->vna_next;
            }
            if (vn->vn_next == 0) break;
            at += vn->vn_next;
        }
    }
    fprintf(stderr, "%s: no version need %s of %s\n", path, version, library);
    return 1;
}
