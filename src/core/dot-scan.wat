;; The exact index's scan (src/core/dot-scan.ts embeds the compiled bytes; `npm run build:wasm`
;; regenerates them from this file):
;;   out[s] = Σ_{i<m} q[i] · rows[s · dim + i]   for every s < n, all f64, pointers in bytes.
;; Four rows per pass, coordinates in pairs in the two f64x2 lanes (each row's sum is its even
;; and its odd coordinates' partial sums added at the end); rows past the last four one by one.
(module
  (memory (export "memory") 1)
  (func (export "scan") (param $q i32) (param $rows i32) (param $n i32) (param $m i32) (param $dim i32) (param $out i32)
    (local $s i32) (local $i i32) (local $r0 i32) (local $stride i32) (local $m2 i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $qv v128)
    (local $t0 f64) (local $t1 f64) (local $t2 f64) (local $t3 f64) (local $qs f64) (local $p i32)
    (local.set $stride (i32.shl (local.get $dim) (i32.const 3)))
    (local.set $m2 (i32.and (local.get $m) (i32.const -2)))
    (block $done4
      (loop $rows4
        (br_if $done4 (i32.gt_s (i32.add (local.get $s) (i32.const 4)) (local.get $n)))
        (local.set $r0 (i32.add (local.get $rows) (i32.mul (local.get $s) (local.get $stride))))
        (local.set $a0 (v128.const i64x2 0 0)) (local.set $a1 (v128.const i64x2 0 0))
        (local.set $a2 (v128.const i64x2 0 0)) (local.set $a3 (v128.const i64x2 0 0))
        (local.set $i (i32.const 0))
        (block $di (loop $dims
          (br_if $di (i32.ge_s (local.get $i) (local.get $m2)))
          (local.set $p (i32.add (local.get $r0) (i32.shl (local.get $i) (i32.const 3))))
          (local.set $qv (v128.load (i32.add (local.get $q) (i32.shl (local.get $i) (i32.const 3)))))
          (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $qv) (v128.load (local.get $p)))))
          (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $qv) (v128.load (i32.add (local.get $p) (local.get $stride))))))
          (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (local.get $qv) (v128.load (i32.add (local.get $p) (i32.shl (local.get $stride) (i32.const 1)))))))
          (local.set $a3 (f64x2.add (local.get $a3) (f64x2.mul (local.get $qv) (v128.load (i32.add (local.get $p) (i32.mul (local.get $stride) (i32.const 3)))))))
          (local.set $i (i32.add (local.get $i) (i32.const 2)))
          (br $dims)))
        (local.set $t0 (f64.add (f64x2.extract_lane 0 (local.get $a0)) (f64x2.extract_lane 1 (local.get $a0))))
        (local.set $t1 (f64.add (f64x2.extract_lane 0 (local.get $a1)) (f64x2.extract_lane 1 (local.get $a1))))
        (local.set $t2 (f64.add (f64x2.extract_lane 0 (local.get $a2)) (f64x2.extract_lane 1 (local.get $a2))))
        (local.set $t3 (f64.add (f64x2.extract_lane 0 (local.get $a3)) (f64x2.extract_lane 1 (local.get $a3))))
        (if (i32.ne (local.get $m2) (local.get $m)) (then
          (local.set $qs (f64.load (i32.add (local.get $q) (i32.shl (local.get $m2) (i32.const 3)))))
          (local.set $p (i32.add (local.get $r0) (i32.shl (local.get $m2) (i32.const 3))))
          (local.set $t0 (f64.add (local.get $t0) (f64.mul (local.get $qs) (f64.load (local.get $p)))))
          (local.set $t1 (f64.add (local.get $t1) (f64.mul (local.get $qs) (f64.load (i32.add (local.get $p) (local.get $stride))))))
          (local.set $t2 (f64.add (local.get $t2) (f64.mul (local.get $qs) (f64.load (i32.add (local.get $p) (i32.shl (local.get $stride) (i32.const 1)))))))
          (local.set $t3 (f64.add (local.get $t3) (f64.mul (local.get $qs) (f64.load (i32.add (local.get $p) (i32.mul (local.get $stride) (i32.const 3)))))))))
        (local.set $p (i32.add (local.get $out) (i32.shl (local.get $s) (i32.const 3))))
        (f64.store (local.get $p) (local.get $t0))
        (f64.store offset=8 (local.get $p) (local.get $t1))
        (f64.store offset=16 (local.get $p) (local.get $t2))
        (f64.store offset=24 (local.get $p) (local.get $t3))
        (local.set $s (i32.add (local.get $s) (i32.const 4)))
        (br $rows4)))
    (block $done1
      (loop $rows1
        (br_if $done1 (i32.ge_s (local.get $s) (local.get $n)))
        (local.set $r0 (i32.add (local.get $rows) (i32.mul (local.get $s) (local.get $stride))))
        (local.set $t0 (f64.const 0))
        (local.set $i (i32.const 0))
        (block $d1 (loop $dims1
          (br_if $d1 (i32.ge_s (local.get $i) (local.get $m)))
          (local.set $t0 (f64.add (local.get $t0) (f64.mul (f64.load (i32.add (local.get $q) (i32.shl (local.get $i) (i32.const 3)))) (f64.load (i32.add (local.get $r0) (i32.shl (local.get $i) (i32.const 3)))))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $dims1)))
        (f64.store (i32.add (local.get $out) (i32.shl (local.get $s) (i32.const 3))) (local.get $t0))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $rows1)))))
