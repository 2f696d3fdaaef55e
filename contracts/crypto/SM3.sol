// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/**
 * @title SM3
 * @notice The SM3 cryptographic hash function (GB/T 32905-2016, ISO/IEC 10118-3), in EVM assembly.
 *
 * The 8-word chaining value travels between blocks packed into one 256-bit word; the 68-word
 * message schedule W[0..67] lives in scratch memory above the free-memory pointer (never
 * allocated, so the function is memory-safe). W'[j] = W[j] ^ W[j+4] is formed on the fly and the
 * round constant rotl(T_j, j) is kept as a running rotation instead of a table.
 *
 * Every 32-bit value is kept reduced (`and(.., 0xffffffff)`) before it is rotated; additions
 * happen in 256-bit words and are reduced afterwards, which is exact because no sum of four
 * 32-bit values reaches 2^256.
 */
library SM3 {
    /**
     * @notice SM3 digest of `data` (any length).
     * @param data The message, as bytes in memory. It is not modified.
     * @return digest The 32-byte digest, big-endian, as GB/T 32905 prints it.
     */
    function hash(bytes memory data) internal pure returns (bytes32 digest) {
        assembly ("memory-safe") {
            // The compression function CF(V, B): `v` packs V (A in the top 32 bits), `blk` points
            // at 64 message bytes, `w` at 68 * 32 bytes of scratch memory.
            function compress(v, blk, w) -> out {
                // 0xffffffff, read from memory so the optimizer cannot see it: with a literal mask it
                // rewrites every rotation into four masked shifts.
                let m := mload(sub(w, 32))
                // W[0..15]: the block as big-endian words, one per 32-byte slot.
                for { let i := 0 } lt(i, 64) { i := add(i, 4) } {
                    mstore(add(w, shl(3, i)), shr(224, mload(add(blk, i))))
                }
                // W[16..67] = P1(W[j-16] ^ W[j-9] ^ rotl(W[j-3], 15)) ^ rotl(W[j-13], 7) ^ W[j-6].
                // Rotations are or(shl(n, x), shr(32 - n, x)) of a reduced x, or shifts of the doubled
                // word x | x << 32; the garbage they leave above bit 31 is masked once per result.
                for { let q := add(w, 512) } lt(q, add(w, 2176)) { q := add(q, 32) } {
                    let y := mload(sub(q, 96))
                    let x := and(xor(xor(mload(sub(q, 512)), mload(sub(q, 288))), or(shl(15, y), shr(17, y))), m)
                    x := or(shl(32, x), x)
                    y := mload(sub(q, 416))
                    // P1(x) = x ^ rotl(x, 15) ^ rotl(x, 23)
                    mstore(q, and(xor(xor(xor(xor(x, shr(17, x)), shr(9, x)), or(shl(7, y), shr(25, y))), mload(sub(q, 192))), m))
                }

                let a := shr(224, v)
                let b := and(shr(192, v), m)
                let c := and(shr(160, v), m)
                let d := and(shr(128, v), m)
                let e := and(shr(96, v), m)
                let f := and(shr(64, v), m)
                let g := and(shr(32, v), m)
                let h := and(v, m)

                // One round per iteration. c, d, g, h may carry garbage above bit 31 (their rotations
                // are left unmasked): they only meet xor/and with reduced words or sums that are
                // reduced afterwards, and are masked below. t keeps rotl(T_j, j) in its low 32 bits.
                // Rounds 0..15: FF = GG = x ^ y ^ z, T_j = 79cc4519.
                let t := 0x79cc4519
                let q := w
                for { } lt(q, add(w, 512)) { q := add(q, 32) } {
                    let a12 := or(shl(12, a), shr(20, a))
                    let ss1 := and(add(add(a12, e), t), m)
                    ss1 := or(shl(7, ss1), shr(25, ss1))
                    let wj := mload(q)
                    let tt1 := and(add(add(add(xor(xor(a, b), c), d), xor(ss1, a12)), xor(wj, mload(add(q, 128)))), m)
                    let x := and(add(add(add(xor(xor(e, f), g), h), ss1), wj), m)
                    x := or(shl(32, x), x)
                    d := c
                    c := or(shl(9, b), shr(23, b))
                    b := a
                    a := tt1
                    h := g
                    g := or(shl(19, f), shr(13, f))
                    f := e
                    e := and(xor(xor(x, shr(23, x)), shr(15, x)), m)
                    t := and(shr(31, or(shl(32, t), t)), m)
                }
                // Rounds 16..63: FF = majority, GG = choose, T_j = 7a879d8a, i.e. rotl(T_j, 16) at j = 16.
                t := 0x9d8a7a87
                for { } lt(q, add(w, 2048)) { q := add(q, 32) } {
                    let a12 := or(shl(12, a), shr(20, a))
                    let ss1 := and(add(add(a12, e), t), m)
                    ss1 := or(shl(7, ss1), shr(25, ss1))
                    let wj := mload(q)
                    let tt1 := and(add(add(add(or(and(a, b), and(c, or(a, b))), d), xor(ss1, a12)), xor(wj, mload(add(q, 128)))), m)
                    let x := and(add(add(add(xor(g, and(e, xor(f, g))), h), ss1), wj), m)
                    x := or(shl(32, x), x)
                    d := c
                    c := or(shl(9, b), shr(23, b))
                    b := a
                    a := tt1
                    h := g
                    g := or(shl(19, f), shr(13, f))
                    f := e
                    e := and(xor(xor(x, shr(23, x)), shr(15, x)), m)
                    t := and(shr(31, or(shl(32, t), t)), m)
                }
                a := and(a, m)
                b := and(b, m)
                c := and(c, m)
                d := and(d, m)
                e := and(e, m)
                f := and(f, m)
                g := and(g, m)
                h := and(h, m)
                out := xor(v, or(or(or(shl(224, a), shl(192, b)), or(shl(160, c), shl(128, d))),
                                 or(or(shl(96, e), shl(64, f)), or(shl(32, g), h))))
            }

            let len := mload(data)
            let src := add(data, 32)
            let buf := mload(0x40) // 128 bytes: the padded last one or two blocks
            let w := add(buf, 160) // 68 * 32 bytes: the message schedule, after the mask word
            mstore(add(buf, 128), 0xffffffff)
            let v := 0x7380166f4914b2b9172442d7da8a0600a96f30bc163138aae38dee4db0fb0e4e
            let full := and(len, not(63))
            for { let off := 0 } lt(off, full) { off := add(off, 64) } {
                v := compress(v, add(src, off), w)
            }
            // Padding: the remaining rem < 64 bytes, 0x80, zeros, the bit length as 64 bits.
            let rem := sub(len, full)
            let tail := add(src, full)
            let w0 := mload(tail)
            let w1 := mload(add(tail, 32))
            switch lt(rem, 32)
            case 1 {
                w0 := and(w0, not(shr(shl(3, rem), not(0))))
                w1 := 0
            }
            default {
                w1 := and(w1, not(shr(shl(3, sub(rem, 32)), not(0))))
            }
            mstore(buf, w0)
            mstore(add(buf, 32), w1)
            mstore(add(buf, 64), 0)
            mstore(add(buf, 96), 0)
            mstore8(add(buf, rem), 0x80)
            switch lt(rem, 56)
            case 1 {
                mstore(add(buf, 32), or(mload(add(buf, 32)), shl(3, len)))
                v := compress(v, buf, w)
            }
            default {
                mstore(add(buf, 96), shl(3, len))
                v := compress(v, buf, w)
                v := compress(v, add(buf, 64), w)
            }
            digest := v
        }
    }
}
