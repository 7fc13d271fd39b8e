enum SafeTensorsPlaceholder {}
