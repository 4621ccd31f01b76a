{
  "targets": [
    {
      "target_name": "contamscan_kernel",
      "sources": ["kernel.cc"],
      "cflags_cc": ["-O3", "-std=c++17"],
      "cflags!": ["-fno-exceptions"],
      "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=c++17"] }
    }
  ]
}
