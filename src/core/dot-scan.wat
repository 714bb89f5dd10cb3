;; The exact index's scan (src/core/dot-scan.ts embeds the compiled bytes; `npm run build:wasm`
;; regenerates them from this file):
;;   out[s] = Σ_{i<m} q[i] · rows[s · dim + i]   for every s < n, all f32 (as hnswlib sums), pointers in bytes.
;; Four rows per pass, coordinates in fours in the four f32x4 lanes (each row's sum is its lanes
;; added pairwise, (l0 + l1) + (l2 + l3), then the coordinates past the last four one by one);
;; rows past the last four one at a time, summed in the same order.
(module
  (memory (export "memory") 1)
  (func $finish (param $acc v128) (param $q i32) (param $r i32) (param $m4 i32) (param $m i32) (result f32)
    (local $t f32) (local $i i32)
    (local.set $t (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
      (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
    (local.set $i (local.get $m4))
    (block $d (loop $tail
      (br_if $d (i32.ge_s (local.get $i) (local.get $m)))
      (local.set $t (f32.add (local.get $t) (f32.mul
        (f32.load (i32.add (local.get $q) (i32.shl (local.get $i) (i32.const 2))))
        (f32.load (i32.add (local.get $r) (i32.shl (local.get $i) (i32.const 2)))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $tail)))
    (local.get $t))
  (func (export "scan") (param $q i32) (param $rows i32) (param $n i32) (param $m i32) (param $dim i32) (param $out i32)
    (local $s i32) (local $i i32) (local $r0 i32) (local $stride i32) (local $m4 i32) (local $p i32) (local $o i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $qv v128)
    (local.set $stride (i32.shl (local.get $dim) (i32.const 2)))
    (local.set $m4 (i32.and (local.get $m) (i32.const -4)))
    (block $done4
      (loop $rows4
        (br_if $done4 (i32.gt_s (i32.add (local.get $s) (i32.const 4)) (local.get $n)))
        (local.set $r0 (i32.add (local.get $rows) (i32.mul (local.get $s) (local.get $stride))))
        (local.set $a0 (v128.const i64x2 0 0)) (local.set $a1 (v128.const i64x2 0 0))
        (local.set $a2 (v128.const i64x2 0 0)) (local.set $a3 (v128.const i64x2 0 0))
        (local.set $i (i32.const 0))
        (block $di (loop $dims
          (br_if $di (i32.ge_s (local.get $i) (local.get $m4)))
          (local.set $p (i32.add (local.get $r0) (i32.shl (local.get $i) (i32.const 2))))
          (local.set $qv (v128.load (i32.add (local.get $q) (i32.shl (local.get $i) (i32.const 2)))))
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $qv) (v128.load (local.get $p)))))
          (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $qv) (v128.load (i32.add (local.get $p) (local.get $stride))))))
          (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $qv) (v128.load (i32.add (local.get $p) (i32.shl (local.get $stride) (i32.const 1)))))))
          (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $qv) (v128.load (i32.add (local.get $p) (i32.mul (local.get $stride) (i32.const 3)))))))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br $dims)))
        (local.set $o (i32.add (local.get $out) (i32.shl (local.get $s) (i32.const 2))))
        (f32.store (local.get $o) (call $finish (local.get $a0) (local.get $q) (local.get $r0) (local.get $m4) (local.get $m)))
        (f32.store offset=4 (local.get $o) (call $finish (local.get $a1) (local.get $q) (i32.add (local.get $r0) (local.get $stride)) (local.get $m4) (local.get $m)))
        (f32.store offset=8 (local.get $o) (call $finish (local.get $a2) (local.get $q) (i32.add (local.get $r0) (i32.shl (local.get $stride) (i32.const 1))) (local.get $m4) (local.get $m)))
        (f32.store offset=12 (local.get $o) (call $finish (local.get $a3) (local.get $q) (i32.add (local.get $r0) (i32.mul (local.get $stride) (i32.const 3))) (local.get $m4) (local.get $m)))
        (local.set $s (i32.add (local.get $s) (i32.const 4)))
        (br $rows4)))
    (block $done1
      (loop $rows1
        (br_if $done1 (i32.ge_s (local.get $s) (local.get $n)))
        (local.set $r0 (i32.add (local.get $rows) (i32.mul (local.get $s) (local.get $stride))))
        (local.set $a0 (v128.const i64x2 0 0))
        (local.set $i (i32.const 0))
        (block $d1 (loop $dims1
          (br_if $d1 (i32.ge_s (local.get $i) (local.get $m4)))
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul
            (v128.load (i32.add (local.get $q) (i32.shl (local.get $i) (i32.const 2))))
            (v128.load (i32.add (local.get $r0) (i32.shl (local.get $i) (i32.const 2)))))))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br $dims1)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $s) (i32.const 2)))
          (call $finish (local.get $a0) (local.get $q) (local.get $r0) (local.get $m4) (local.get $m)))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $rows1)))))
