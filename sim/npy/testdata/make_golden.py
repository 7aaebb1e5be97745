# Writes the .npy files the Go tests compare against, with numpy itself
# (run with numpy 1.24: python3 make_golden.py). ml_dtypes types are written
# with the header ml_dtypes produces ('<V2' bfloat16, '<V1' float8).
import numpy as np
from numpy.lib import format as fmt

def save(name, a, version=None):
    with open(name, "wb") as f:
        fmt.write_array(f, a, version=version)

def save_descr(name, descr, shape, raw):
    with open(name, "wb") as f:
        fmt.write_array_header_1_0(f, {"descr": descr, "fortran_order": False, "shape": shape})
        f.write(raw)

x = np.array([[1.5, -2.0, 0.1], [3.0, 65504.0, -0.0]])
save("f4_c.npy", x.astype("<f4"))
save("f8_scalar.npy", np.float64(2.5))
save("f2_be.npy", x.astype(">f2"))
save("f4_be_fortran.npy", np.asfortranarray(np.arange(12, dtype=">f4").reshape(2, 3, 2)))
save("f8_fortran.npy", np.asfortranarray(x))
save("i8.npy", np.array([-3, 1 << 40], dtype="<i8"))
save("u1.npy", np.arange(5, dtype="u1"))
save("b1.npy", np.array([True, False]))
save("f4_v2.npy", x.astype("<f4"), version=(2, 0))
save("f4_v3.npy", x.astype("<f4"), version=(3, 0))
# bfloat16 codes of 1, -2, 0.5, inf; float8_e4m3fn codes 0x38 (1.0), 0xc0 (-2.0), 0x7e (448)
save_descr("bf16.npy", "<V2", (2, 2), np.array([0x3F80, 0xC000, 0x3F00, 0x7F80], dtype="<u2").tobytes())
save_descr("e4m3.npy", "<V1", (3,), bytes([0x38, 0xC0, 0x7E]))
save_descr("e5m2_old.npy", "<f1", (2,), bytes([0x3C, 0xC0]))
