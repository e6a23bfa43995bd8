// Benchmarks the S3 object store's storage layer (objects/object_store.h) on 4 KiB
// objects: PutObject (the disk backend fsyncs the body, its directory and the SQLite
// commit, so it measures the storage device as much as the code), GetObject (open and
// read whole) and a 1000-key ListObjects page, on the disk and memory backends.
// The disk store lives in a temporary directory under $TMPDIR.
#include <stdlib.h>

#include <benchmark/benchmark.h>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "common/clock.h"

#include "objects/object_store.h"

namespace portcullis::objects {
namespace {

constexpr std::size_t kObjectSize = 4096;

class StoreFixture {
 public:
  explicit StoreFixture(bool disk) {
    if (disk) {
      std::string pattern =
          (std::filesystem::temp_directory_path() / "objects_bench.XXXXXX").string();
      if (mkdtemp(pattern.data()) == nullptr) {
        std::abort();
      }
      dir_ = pattern;
      store_ = std::move(*OpenDiskObjectStore(dir_, SystemClock::Instance()));
    } else {
      store_ = std::move(*NewMemoryObjectStore(SystemClock::Instance()));
    }
    if (!store_->CreateBucket("bench", "111122223333", "").has_value()) {
      std::abort();
    }
  }

  StoreFixture(const StoreFixture&) = delete;
  StoreFixture& operator=(const StoreFixture&) = delete;
  StoreFixture(StoreFixture&&) = delete;
  StoreFixture& operator=(StoreFixture&&) = delete;

  ~StoreFixture() {
    store_.reset();
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

  ObjectStore& store() { return *store_; }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<ObjectStore> store_;
};

void BM_Put4KiB(benchmark::State& state) {
  StoreFixture fixture(state.range(0) != 0);
  const std::string body(kObjectSize, 'x');
  std::int64_t i = 0;
  for (auto _ : state) {
    auto info =
        PutObjectFromString(fixture.store(), "bench", "key" + std::to_string(i++ % 1000), {}, body);
    if (!info.has_value()) {
      state.SkipWithError(info.error().ToString().c_str());
      break;
    }
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kObjectSize));
}

BENCHMARK(BM_Put4KiB)->ArgName("disk")->Arg(1)->Arg(0)->UseRealTime();

void BM_Get4KiB(benchmark::State& state) {
  StoreFixture fixture(state.range(0) != 0);
  const std::string body(kObjectSize, 'x');
  for (int i = 0; i < 100; ++i) {
    if (!PutObjectFromString(fixture.store(), "bench", "key" + std::to_string(i), {}, body)
             .has_value()) {
      std::abort();
    }
  }
  std::int64_t i = 0;
  for (auto _ : state) {
    auto opened =
        fixture.store().OpenObject("bench", "key" + std::to_string(i++ % 100), std::nullopt);
    if (!opened.has_value()) {
      state.SkipWithError(opened.error().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(ReadAll(*opened->body));
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kObjectSize));
}

BENCHMARK(BM_Get4KiB)->ArgName("disk")->Arg(1)->Arg(0)->UseRealTime();

void BM_List1000(benchmark::State& state) {
  StoreFixture fixture(false);
  for (int i = 0; i < 5000; ++i) {
    if (!PutObjectFromString(fixture.store(), "bench", "dir/key" + std::to_string(i), {}, "")
             .has_value()) {
      std::abort();
    }
  }
  for (auto _ : state) {
    auto page = fixture.store().ListObjects({"bench", "dir/", "", "", 1000});
    benchmark::DoNotOptimize(page);
  }
}

BENCHMARK(BM_List1000);

}  // namespace
}  // namespace portcullis::objects

BENCHMARK_MAIN();
