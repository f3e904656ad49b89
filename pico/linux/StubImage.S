/* The stub executable, embedded so that `lx` is self-contained. */
        .section .rodata
        .balign 16
        .globl lx_stub_image_start
        .globl lx_stub_image_end
lx_stub_image_start:
        .incbin LX_STUB_PATH
lx_stub_image_end:
        .section .note.GNU-stack,"",@progbits
