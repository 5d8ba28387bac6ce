# atlas_check_layers(ROOT LAYER...): fail the configure step when a file in ROOT/<layer>
# includes "sim/<other>/..." for a layer listed after its own (a lower layer must never
# include a higher one). LAYERs are given bottom-up.
function(atlas_check_layers root)
  set(layers ${ARGN})
  list(LENGTH layers count)
  foreach(layer ${layers})
    list(FIND layers ${layer} rank)
    file(GLOB sources ${root}/${layer}/*.c ${root}/${layer}/*.h)
    foreach(src ${sources})
      file(STRINGS ${src} includes REGEX "^#include \"sim/[a-z_]+/")
      foreach(line ${includes})
        string(REGEX REPLACE "^#include \"sim/([a-z_]+)/.*" "\\1" target "${line}")
        list(FIND layers ${target} target_rank)
        if(target_rank EQUAL -1)
          message(FATAL_ERROR "${src}: includes sim/${target}/, which is not a layer of sim/")
        elseif(target_rank GREATER rank)
          message(FATAL_ERROR "${src}: sim/${layer}/ may not include the higher layer "
                              "sim/${target}/ (${line}); layers bottom-up: ${layers}")
        endif()
      endforeach()
    endforeach()
  endforeach()
endfunction()
