// A C++ program on the standard library's threads (g++, libstdc++, static
// glibc): std::thread, std::async and futures (a value and an exception
// carried back), std::packaged_task, std::promise, std::condition_variable
// with wait_for (one that times out, one notified in time), std::mutex and
// std::shared_mutex, std::atomic, thread_local, std::call_once,
// std::this_thread::sleep_for.  Its output is deterministic so that the
// test can compare it with the same binary run on the host; the one line
// that depends on the machine ("hardware_concurrency N") is printed first.
// cxx.test builds it (tests/guest/lang.mk) and runs it under cloak.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <future>
#include <mutex>
#include <numeric>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

static thread_local int per_thread = 0;

static void threads_and_mutex()
{
    std::mutex m;
    long counter = 0;
    std::vector<std::thread> ts;
    for (int i = 0; i < 8; i++)
        ts.emplace_back([&] {
            for (int k = 0; k < 5000; k++) {
                std::lock_guard<std::mutex> g(m);
                counter++;
            }
        });
    for (auto &t : ts)
        t.join();
    std::printf("std::mutex counter over 8 threads: %ld\n", counter);

    std::atomic<long> atomic_counter{0};
    ts.clear();
    for (int i = 0; i < 4; i++)
        ts.emplace_back([&] {
            for (int k = 0; k < 10000; k++)
                atomic_counter.fetch_add(1, std::memory_order_relaxed);
        });
    for (auto &t : ts)
        t.join();
    std::printf("std::atomic counter over 4 threads: %ld\n", atomic_counter.load());
}

static void futures()
{
    std::vector<std::future<long>> fs;
    for (long i = 1; i <= 6; i++)
        fs.push_back(std::async(std::launch::async, [i] {
            long s = 0;
            for (long k = 0; k <= i * 10000; k++)
                s += k;
            return s;
        }));
    long total = 0;
    for (auto &f : fs)
        total += f.get();
    std::printf("std::async sums: %ld\n", total);

    auto thrower = std::async(std::launch::async, []() -> int { throw std::runtime_error("from a thread"); });
    try {
        thrower.get();
        std::printf("exception through a future: none\n");
    } catch (const std::runtime_error &e) {
        std::printf("exception through a future: %s\n", e.what());
    }

    std::packaged_task<std::string(int)> task([](int n) { return std::string(n, 'x'); });
    auto task_result = task.get_future();
    std::thread(std::move(task), 5).join();
    std::printf("packaged_task: %s\n", task_result.get().c_str());

    std::promise<int> p;
    auto pf = p.get_future();
    std::thread setter([&p] {
        std::this_thread::sleep_for(10ms);
        p.set_value(42);
    });
    bool ready_early = pf.wait_for(0ms) == std::future_status::ready;
    std::printf("promise: ready at once %d, value %d\n", ready_early, pf.get());
    setter.join();
}

static void condition_variables()
{
    std::mutex m;
    std::condition_variable cv;
    bool flag = false;
    {
        std::unique_lock<std::mutex> lk(m);
        auto t0 = Clock::now();
        bool got = cv.wait_for(lk, 30ms, [&] { return flag; });
        std::printf("wait_for 30ms with nobody notifying: %d, waited at least 30ms %d\n", got,
                    Clock::now() - t0 >= 30ms);
    }
    std::thread notifier([&] {
        std::this_thread::sleep_for(10ms);
        std::lock_guard<std::mutex> g(m);
        flag = true;
        cv.notify_one();
    });
    {
        std::unique_lock<std::mutex> lk(m);
        bool got = cv.wait_for(lk, 30s, [&] { return flag; });
        std::printf("wait_for 30s notified after 10ms: %d\n", got);
    }
    notifier.join();

    // Producer/consumer over a bounded queue.
    std::vector<int> queue;
    std::condition_variable not_empty, not_full;
    bool done = false;
    long consumed = 0;
    std::thread consumer([&] {
        for (;;) {
            std::unique_lock<std::mutex> lk(m);
            not_empty.wait(lk, [&] { return !queue.empty() || done; });
            if (queue.empty())
                return;
            consumed += queue.back();
            queue.pop_back();
            not_full.notify_one();
        }
    });
    for (int i = 1; i <= 1000; i++) {
        std::unique_lock<std::mutex> lk(m);
        not_full.wait(lk, [&] { return queue.size() < 4; });
        queue.push_back(i);
        not_empty.notify_one();
    }
    {
        std::lock_guard<std::mutex> g(m);
        done = true;
    }
    not_empty.notify_all();
    consumer.join();
    std::printf("producer/consumer: %ld\n", consumed);
}

static void misc()
{
    std::shared_mutex rw;
    std::vector<int> table(8, 0);
    std::vector<std::thread> ts;
    std::atomic<int> sums{0};
    for (int i = 0; i < 8; i++)
        ts.emplace_back([&, i] {
            {
                std::unique_lock<std::shared_mutex> w(rw);
                table[i] = i + 1;
            }
            std::shared_lock<std::shared_mutex> r(rw);
            sums += table[i];
        });
    for (auto &t : ts)
        t.join();
    std::printf("shared_mutex: %d\n", sums.load());

    per_thread = 1;
    int seen[4];
    std::once_flag once;
    std::atomic<int> once_calls{0};
    ts.clear();
    for (int i = 0; i < 4; i++)
        ts.emplace_back([&, i] {
            per_thread += 10 * (i + 1);
            seen[i] = per_thread;
            std::call_once(once, [&] { once_calls++; });
        });
    for (auto &t : ts)
        t.join();
    std::printf("thread_local: main %d, threads %d %d %d %d; call_once ran %d time(s)\n", per_thread, seen[0],
                seen[1], seen[2], seen[3], once_calls.load());

    auto t0 = Clock::now();
    std::thread sleeper([] { std::this_thread::sleep_for(50ms); });
    sleeper.join();
    std::printf("sleep_for 50ms in a thread: at least 50ms %d\n", Clock::now() - t0 >= 50ms);
    std::thread::id other;
    std::thread([&] { other = std::this_thread::get_id(); }).join();
    std::printf("thread ids differ: %d\n", other != std::this_thread::get_id());
}

int main()
{
    std::printf("hardware_concurrency %u\n", std::thread::hardware_concurrency());
    threads_and_mutex();
    futures();
    condition_variables();
    misc();
    std::printf("c++ ok\n");
    return 0;
}
