// C++ with libstdc++: iostream, std::map, exceptions crossing frames.
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>

static int depth(int n)
{
    if (n == 0)
        throw std::runtime_error("thrown from depth 0");
    return depth(n - 1) + 1;
}

int main()
{
    std::map<std::string, int> m{{"pear", 3}, {"apple", 1}, {"fig", 2}};
    for (const auto &kv : m)
        std::cout << kv.first << "=" << kv.second << "\n";
    try {
        depth(10);
    } catch (const std::exception &e) {
        std::cout << "caught: " << e.what() << "\n";
    }
    std::cout << "cxx ok" << std::endl;
    return 0;
}
