// A small fixed pool of worker threads for the trainer's data-parallel
// steps. Tasks are numbered; which worker runs which task is not fixed, so
// callers write results per task (never per worker) when the results must
// not depend on scheduling.
#pragma once

#include <atomic>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace flowrun::cnn::train {

class ThreadPool {
 public:
  // `threads` >= 1 in total, the calling thread included.
  explicit ThreadPool(int threads) {
    for (int w = 1; w < threads; ++w) workers_.emplace_back([this, w] { loop(w); });
  }
  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
  }
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  // Runs fn(task, worker) for task in [0, tasks); worker in [0, size()).
  // Returns when all tasks are done; rethrows the first exception.
  void run(int tasks, const std::function<void(int, int)>& fn) {
    if (tasks <= 0) return;
    if (workers_.empty() || tasks == 1) {
      for (int t = 0; t < tasks; ++t) fn(t, 0);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      fn_ = &fn;
      tasks_ = tasks;
      next_.store(0);
      pending_ = static_cast<int>(workers_.size());
      error_ = nullptr;
      ++generation_;
    }
    wake_.notify_all();
    work(0);
    std::unique_lock<std::mutex> lock(mu_);
    done_.wait(lock, [this] { return pending_ == 0; });
    fn_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void work(int worker) {
    for (int t = next_.fetch_add(1); t < tasks_; t = next_.fetch_add(1)) {
      try {
        (*fn_)(t, worker);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu_);
        if (!error_) error_ = std::current_exception();
      }
    }
  }
  void loop(int worker) {
    long seen = 0;
    while (true) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
      }
      work(worker);
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (--pending_ == 0) done_.notify_one();
      }
    }
  }

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable wake_, done_;
  const std::function<void(int, int)>* fn_ = nullptr;
  int tasks_ = 0;
  std::atomic<int> next_{0};
  int pending_ = 0;
  long generation_ = 0;
  bool stop_ = false;
  std::exception_ptr error_;
};

}  // namespace flowrun::cnn::train
