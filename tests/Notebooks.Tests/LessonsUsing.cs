// The notebooks' lesson code (lib/Lessons) is tested here beside the kernels it uses.
global using Lessons;
